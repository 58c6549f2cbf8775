import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelEvent } from '../../src/protocol/pubsub/client-channels.js';
import type { ServerMessage } from '../../src/protocol/pubsub/messages.js';
import { harness, type FakeTransport } from './fakes.js';

// The browser client against a model server, on fake transports and a fake clock, for
// any interleaving of publishes, deliveries, transport failures (before or after
// opening), time passing (connect timeouts, heartbeats, backoff, probes), dropped
// history, offline/online and close: each channel delivers every message once and in
// order, or an explicit gap covering what is missing.

const CHANNELS = ['a', 'b'] as const;
const id = (offset: number): string => `e-${offset}`;
const offsetOf = (messageId: string): number => Number(messageId.slice(2));

class ModelServer {
  readonly count = new Map<string, number>(CHANNELS.map((c) => [c, 0]));
  /** Offsets at or below the floor left the history. */
  readonly floor = new Map<string, number>(CHANNELS.map((c) => [c, 0]));
  private readonly sessions = new Map<FakeTransport, { read: number; subscribed: Set<string>; queue: ServerMessage[] }>();

  session(transport: FakeTransport): { read: number; subscribed: Set<string>; queue: ServerMessage[] } {
    let session = this.sessions.get(transport);
    if (session === undefined) this.sessions.set(transport, (session = { read: 0, subscribed: new Set(), queue: [] }));
    return session;
  }

  /** Handles what each transport's client sent since last time, in order. */
  handle(transports: readonly FakeTransport[]): void {
    for (const transport of transports) {
      if (transport.closed) continue;
      const session = this.session(transport);
      for (; session.read < transport.sent.length; session.read++) {
        const request = transport.sent[session.read];
        if (request.type === 'subscribe') this.subscribe(session, request.channel, request.since);
        else if (request.type === 'unsubscribe') session.subscribed.delete(request.channel);
      }
    }
  }

  publish(channel: string, transports: readonly FakeTransport[]): void {
    const offset = this.count.get(channel)! + 1;
    this.count.set(channel, offset);
    for (const transport of transports) {
      const session = this.sessions.get(transport);
      if (session?.subscribed.has(channel) && !transport.closed) session.queue.push({ type: 'message', channel, id: id(offset), data: '' });
    }
  }

  forget(channel: string): void {
    this.floor.set(channel, this.count.get(channel)!);
  }

  private subscribe(session: { subscribed: Set<string>; queue: ServerMessage[] }, channel: string, since: string | undefined): void {
    const count = this.count.get(channel)!;
    const floor = this.floor.get(channel)!;
    let from = count + 1;
    if (since !== undefined) {
      from = offsetOf(since) + 1;
      if (from <= floor) {
        session.queue.push({ type: 'gap', channel, since, reason: 'expired', firstAvailableId: floor < count ? id(floor + 1) : null });
        from = floor + 1;
      }
    }
    for (let offset = from; offset <= count; offset++) session.queue.push({ type: 'message', channel, id: id(offset), data: '' });
    session.queue.push({ type: 'subscribed', channel, headId: id(count) });
    session.subscribed.add(channel);
  }
}

type Command =
  | { readonly type: 'publish'; readonly channel: 0 | 1 }
  | { readonly type: 'deliver'; readonly count: number }
  | { readonly type: 'open' }
  | { readonly type: 'fail' }
  | { readonly type: 'advance'; readonly ms: number }
  | { readonly type: 'forget'; readonly channel: 0 | 1 }
  | { readonly type: 'offline' }
  | { readonly type: 'online' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('publish' as const), channel: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('deliver' as const), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.constant({ type: 'open' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'fail' as const }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 70_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('forget' as const), channel: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'offline' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'online' as const }) },
);

const platform = globalThis as unknown as { navigator?: { onLine: boolean }; addEventListener?: unknown; removeEventListener?: unknown };
const window = new EventTarget();
const savedNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
beforeAll(() => {
  Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true, writable: true });
  platform.addEventListener = window.addEventListener.bind(window);
  platform.removeEventListener = window.removeEventListener.bind(window);
});
afterAll(() => {
  if (savedNavigator) Object.defineProperty(globalThis, 'navigator', savedNavigator);
  else delete platform.navigator;
  delete platform.addEventListener;
  delete platform.removeEventListener;
});

describe('browser client: resume property', () => {
  it('each channel: every message once and in order, or a gap covering what is missing', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80 }), fc.boolean(), (commands, closeAtEnd) => {
        platform.navigator!.onLine = true;
        const { client, clock, transports } = harness({ probeInterval: 30_000 });
        const server = new ModelServer();
        const seen = new Map<string, ChannelEvent[]>(CHANNELS.map((c) => [c, []]));
        for (const channel of CHANNELS) client.subscribe(channel, (event) => seen.get(channel)!.push(event));
        const pending = (): FakeTransport | undefined => [...transports.live].reverse().find((t) => !server.session(t).queue.length && !opened.has(t));
        const opened = new Set<FakeTransport>();
        const open = (transport: FakeTransport): void => {
          opened.add(transport);
          transport.open();
          server.handle(transports.all);
        };
        const deliver = (count: number): void => {
          for (const transport of transports.live) {
            const queue = server.session(transport).queue;
            for (let i = 0; i < count && queue.length > 0 && !transport.closed; i++) transport.deliver(queue.shift()!);
          }
          server.handle(transports.all);
        };
        for (const step of commands) {
          switch (step.type) {
            case 'publish':
              server.publish(CHANNELS[step.channel], transports.live);
              break;
            case 'deliver':
              deliver(step.count);
              break;
            case 'open': {
              const next = pending();
              if (next !== undefined) open(next);
              break;
            }
            case 'fail':
              transports.live.at(-1)?.fail();
              break;
            case 'advance':
              clock.advance(step.ms);
              break;
            case 'forget':
              server.forget(CHANNELS[step.channel]);
              break;
            case 'offline':
              platform.navigator!.onLine = false;
              break;
            case 'online':
              platform.navigator!.onLine = true;
              window.dispatchEvent(new Event('online'));
              break;
          }
          server.handle(transports.all);
        }
        if (closeAtEnd) {
          client.close();
          expect(transports.live).toEqual([]);
        } else {
          // Settle: back online, a session opens, everything queued is delivered.
          platform.navigator!.onLine = true;
          window.dispatchEvent(new Event('online'));
          for (let round = 0; client.state !== 'open' && round < 20; round++) {
            const next = pending();
            if (next !== undefined) open(next);
            else clock.advance(61_000);
          }
          expect(client.state).toBe('open');
          deliver(Infinity);
          deliver(Infinity);
        }
        for (const channel of CHANNELS) check(channel, seen.get(channel)!, closeAtEnd ? undefined : server.count.get(channel)!);
        client.close();
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Replays what one channel's handler saw: after the first `subscribed` (the starting
 * point), each message is the next offset, or comes after a gap whose range covers the
 * skipped ones; nothing comes twice. When settled, everything up to `head` is accounted for.
 */
function check(channel: string, events: readonly ChannelEvent[], head: number | undefined): void {
  let position: number | undefined;
  let gapTo: number | undefined;
  for (const event of events) {
    if (event.type === 'subscribed') {
      const at = offsetOf(event.headId);
      if (position === undefined) position = at;
      // The live marker never moves back, and only forward past a gap that covered it.
      expect(at >= position, `${channel}: subscribed at ${at} after ${position}`).toBe(true);
      if (at > position) expect(gapTo !== undefined && at <= Math.max(gapTo, position), `${channel}: subscribed skips to ${at} from ${position}`).toBe(true);
      position = at;
      gapTo = undefined;
    } else if (event.type === 'gap') {
      expect(position === undefined || offsetOf(event.since) === position, `${channel}: gap since ${event.since} at ${position}`).toBe(true);
      gapTo = event.firstAvailableId === null ? Infinity : offsetOf(event.firstAvailableId) - 1;
    } else if (event.type === 'message') {
      expect(position, `${channel}: message before the first subscribed`).toBeDefined();
      const offset = offsetOf(event.id);
      const expected = position! + 1;
      if (offset !== expected) expect(gapTo !== undefined && offset > expected && offset <= gapTo + 1, `${channel}: got ${offset}, expected ${expected}`).toBe(true);
      position = offset;
      gapTo = undefined;
    }
  }
  if (head !== undefined && position !== undefined) expect(position, `${channel}: settled at ${position}, head ${head}`).toBe(head);
}
