import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientChannels, type ChannelEvent, type ChannelPosition } from '../../../src/protocol/pubsub/client-channels.js';
import type { GapMessage, ServerMessage, SubscribeMessage } from '../../../src/protocol/pubsub/index.js';

// ClientChannels driven against a model of a switchboard.v1 server over a connection
// that drops at any point (mid-replay included), for any interleaving of publishes,
// deliveries, disconnections and reconnections.

const CHANNELS = ['a', 'b', 'c'] as const;
type Channel = (typeof CHANNELS)[number];

const idOf = (epoch: number, offset: number): string => `${epoch}-${offset}`;
const parseId = (id: string): { epoch: number; offset: number } => {
  const [epoch, offset] = id.split('-').map(Number);
  return { epoch, offset };
};

/** A hub holding the last `window` messages of each channel, behind one connection. */
class ModelServer {
  epoch = 0;
  readonly counts = new Map<string, number>(CHANNELS.map((channel) => [channel, 0]));
  connected = false;
  readonly subscriptions = new Set<string>();
  inFlight: ServerMessage[] = [];

  constructor(readonly window: number) {}

  head(channel: string): string {
    return idOf(this.epoch, this.counts.get(channel)!);
  }

  publish(channel: string): void {
    const offset = this.counts.get(channel)! + 1;
    this.counts.set(channel, offset);
    if (this.connected && this.subscriptions.has(channel)) this.inFlight.push(this.message(channel, offset));
  }

  /** As src/pubsub does: the replay after `since` (or a gap, then what is held), then `subscribed`, then live. */
  subscribe({ channel, since }: SubscribeMessage): void {
    const count = this.counts.get(channel)!;
    const first = Math.max(1, count - this.window + 1);
    let from = count + 1;
    if (since !== undefined) {
      const { epoch, offset } = parseId(since);
      if (epoch === this.epoch && offset + 1 >= first) from = offset + 1;
      else {
        const reason = epoch === this.epoch ? 'expired' : 'epoch-changed';
        this.inFlight.push({ type: 'gap', channel, since, reason, firstAvailableId: first <= count ? idOf(this.epoch, first) : null });
        from = first;
      }
    }
    for (let offset = from; offset <= count; offset++) this.inFlight.push(this.message(channel, offset));
    this.inFlight.push({ type: 'subscribed', channel, headId: this.head(channel) });
    this.subscriptions.add(channel);
  }

  drop(): void {
    this.connected = false;
    this.subscriptions.clear();
    this.inFlight = [];
  }

  /** The hub lost its history (an in-memory hub restarted): another epoch, nothing held. */
  restart(): void {
    this.drop();
    this.epoch++;
    for (const channel of CHANNELS) this.counts.set(channel, 0);
  }

  private message(channel: string, offset: number): ServerMessage {
    return { type: 'message', channel, id: idOf(this.epoch, offset), data: `${channel}${offset}` };
  }
}

/** What a subscriber of one channel saw, checked as it comes. */
interface View {
  position: ChannelPosition;
  readonly events: ChannelEvent[];
  readonly seen: Set<string>;
  /** The last id delivered: the last message's, or the head of the last `subscribed`. */
  last: string | undefined;
  /** The `since` of the subscription in progress. */
  sentSince: string | undefined;
  /** A gap received in the subscription in progress, not yet followed by a message. */
  pendingGap: GapMessage | undefined;
  /** The gap received in the subscription in progress, if any. */
  gap: GapMessage | undefined;
  /** The `since` a 'resume' must carry when this subscription goes live. */
  expectResume: string | undefined;
}

type Step =
  | { readonly op: 'publish'; readonly channel: Channel }
  | { readonly op: 'deliver'; readonly count: number }
  | { readonly op: 'disconnect' }
  | { readonly op: 'connect' }
  | { readonly op: 'restart' };

const publish = fc.record({ op: fc.constant('publish' as const), channel: fc.constantFrom(...CHANNELS) });
const deliver = fc.record({ op: fc.constant('deliver' as const), count: fc.integer({ min: 1, max: 6 }) });
const simple = <T extends Step['op']>(op: T) => fc.constant({ op });
const steps = (withRestarts: boolean): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      { arbitrary: publish, weight: 4 },
      { arbitrary: deliver, weight: 4 },
      { arbitrary: simple('disconnect'), weight: 1 },
      { arbitrary: simple('connect'), weight: 2 },
      ...(withRestarts ? [{ arbitrary: simple('restart'), weight: 1 }] : []),
    ),
    { maxLength: 80 },
  );
/** Per channel: messages published before the client starts, and the offset it resumes after (or none). */
const start = fc.array(
  fc.integer({ min: 0, max: 5 }).chain((published) => fc.tuple(fc.constant(published), fc.option(fc.integer({ min: 0, max: published }), { nil: undefined }))),
  { minLength: CHANNELS.length, maxLength: CHANNELS.length },
);

function simulate(window: number, initial: Array<[number, number | undefined]>, script: Step[]): { server: ModelServer; views: Map<string, View> } {
  const server = new ModelServer(window);
  const channels = new ClientChannels();
  const views = new Map<string, View>();
  let everConnected = false;

  CHANNELS.forEach((channel, index) => {
    const [published, resumeAfter] = initial[index];
    for (let i = 0; i < published; i++) server.publish(channel);
    const since = resumeAfter === undefined ? undefined : idOf(0, resumeAfter);
    const view: View = { position: undefined!, events: [], seen: new Set(), last: since, sentSince: undefined, pendingGap: undefined, gap: undefined, expectResume: undefined };
    view.position = channels.add(channel, (event) => check(view, event), since).position;
    // A second handler on the channel must see exactly the same.
    if (channel === 'a') channels.add(channel, (event) => expect(event).toBe(view.events.at(-1)));
    views.set(channel, view);
  });

  function check(view: View, event: ChannelEvent): void {
    view.events.push(event);
    switch (event.type) {
      case 'message': {
        // No message twice.
        expect(view.seen.has(event.id)).toBe(false);
        view.seen.add(event.id);
        const got = parseId(event.id);
        if (view.pendingGap !== undefined) {
          // After a gap, delivery carries on from the oldest message held.
          expect(event.id).toBe(view.pendingGap.firstAvailableId);
        } else if (view.last !== undefined) {
          // Otherwise nothing is skipped: the next message after the last one delivered.
          expect(got).toEqual({ epoch: parseId(view.last).epoch, offset: parseId(view.last).offset + 1 });
        }
        view.last = event.id;
        view.pendingGap = undefined;
        break;
      }
      case 'gap':
        expect(event.since).toBe(view.sentSince);
        view.pendingGap = event;
        view.gap = event;
        break;
      case 'subscribed':
        // Resuming without a gap: everything up to the head was delivered, in order.
        if (view.sentSince !== undefined && view.gap === undefined) expect(event.headId).toBe(view.last);
        view.last = event.headId;
        view.pendingGap = undefined;
        break;
      case 'error':
        throw new Error('the model server sends no errors');
    }
  }

  const flush = (count: number): void => {
    for (let i = 0; i < count && server.inFlight.length > 0; i++) {
      const frame = server.inFlight.shift()!;
      const resumes = [];
      for (const effect of channels.receive(frame)) {
        if (effect.type === 'deliver') for (const handler of channels.handlersOf(effect.channel)) handler(effect.event);
        else if (effect.type === 'resume') resumes.push(effect);
        else throw new Error(`unexpected ${effect.type}`);
      }
      if (frame.type !== 'subscribed') {
        expect(resumes).toEqual([]);
        continue;
      }
      // A resumption after a reconnection says so once it is live, lossy when a gap came.
      const view = views.get(frame.channel)!;
      const expected = view.expectResume === undefined ? [] : [{ type: 'resume', channel: frame.channel, since: view.expectResume, lossy: view.gap !== undefined, gap: view.gap }];
      expect(resumes).toEqual(expected);
      view.expectResume = undefined;
    }
  };

  const connect = (): void => {
    if (server.connected) return;
    server.connected = true;
    const resuming = everConnected;
    everConnected = true;
    const subscribes = channels.connected();
    expect(subscribes.map((s) => s.channel)).toEqual([...CHANNELS]);
    for (const subscribe of subscribes) {
      const view = views.get(subscribe.channel)!;
      // Resubscribe from exactly the last id delivered.
      expect(subscribe.since).toBe(view.last);
      view.sentSince = subscribe.since;
      view.gap = undefined;
      view.pendingGap = undefined;
      view.expectResume = resuming ? subscribe.since : undefined;
      server.subscribe(subscribe);
    }
  };

  for (const step of script) {
    if (step.op === 'publish') server.publish(step.channel);
    else if (step.op === 'deliver') flush(step.count);
    else if (step.op === 'connect') connect();
    else if (step.op === 'disconnect') server.drop();
    else server.restart();
    for (const view of views.values()) expect(view.position.lastId).toBe(view.last);
  }
  // Finally: connected, everything delivered.
  connect();
  flush(Infinity);
  return { server, views };
}

describe('ClientChannels against a model server (properties)', () => {
  it('with the history kept: every message exactly once, in order, resubscribing from the last id delivered', () => {
    fc.assert(
      fc.property(start, steps(false), (initial, script) => {
        const { server, views } = simulate(Infinity, initial, script);
        for (const [channel, view] of views) {
          expect(view.events.some((event) => event.type === 'gap')).toBe(false);
          // Caught up with the head.
          expect(view.last).toBe(server.head(channel));
          // From the first position on, nothing is missing: the offsets delivered are
          // contiguous up to the head (before a position, a channel starts live).
          const offsets = view.events.flatMap((event) => (event.type === 'message' ? [parseId(event.id).offset] : []));
          if (offsets.length > 0) expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => offsets[0] + i));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with a short history and restarts that lose it: no message twice, and every skip is announced by a gap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), start, steps(true), (window, initial, script) => {
        const { server, views } = simulate(window, initial, script);
        for (const [channel, view] of views) expect(view.last).toBe(server.head(channel));
      }),
      { numRuns: 300 },
    );
  });
});
