// Model-based test of the Hub contract, run against MemoryHub and RedisHub alike: any
// sequence of publish, subscribe (fresh or resuming from the last id seen), disconnect,
// a subscribe racing concurrent publishes, and a restart that loses the history gives
// every subscriber each message once and in order, or an explicit gap or error. The model
// predicts every event exactly, down to gap reasons, firstAvailableId and headId.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryHub,
  parseMessageId,
  type GapReason,
  type Hub,
  type Subscription,
  type SubscriptionEvent,
} from '../../src/hub/index.js';
import { RedisHub, nodeRedisCommander, nodeRedisSubscriber } from '../../src/hub/index.js';
import { SUBSCRIBE_SCRIPT, luaScript } from '../../src/hub/redis-scripts.js';
import { connectPair, deleteKeys, uniquePrefix, type RedisPair } from '../support/redis.js';

const CHANNELS = ['alpha', 'beta'];
const CLIENTS = 4;
const MAX_HISTORY = 3;

/** A position in the model: the hub generation (one per epoch) and the offset. */
interface Pos {
  readonly gen: number;
  readonly offset: number;
}

type Seen =
  | { readonly type: 'message'; readonly pos: Pos; readonly data: string }
  | { readonly type: 'gap'; readonly since: string; readonly reason: GapReason; readonly firstAvailable: Pos | null }
  | { readonly type: 'live'; readonly head: Pos }
  | { readonly type: 'error' };

interface ModelClient {
  connected: boolean;
  /** Generation the current session started in; a restart dooms older sessions. */
  sessionGen: number;
  readonly channel: string;
  readonly expected: Seen[];
}

interface Model {
  gen: number;
  /** Epoch string of each generation, learnt from what the hub shows. */
  readonly epochs: (string | undefined)[];
  /** Data of every message of the current generation, per channel, by offset - 1. */
  readonly messages: Map<string, string[]>;
  readonly clients: ModelClient[];
  published: number;
}

interface RealClient {
  readonly channel: string;
  /** Which hub (process) this client is connected through. */
  readonly via: number;
  /** The client's resume point: the last message id, or the head once it went live. */
  cursor: string | undefined;
  subscription: Subscription | null;
  readonly events: SubscriptionEvent[];
}

interface Real {
  /** One hub per simulated server process; RedisHub runs two on the same Redis. */
  readonly hubs: Hub[];
  readonly variant: Variant;
  readonly clients: RealClient[];
}

interface Variant {
  readonly name: string;
  create(): Promise<Hub[]>;
  /** Loses every message and the epoch: a restarted MemoryHub, a Redis that lost its data. */
  restart(real: Real): Promise<void>;
  /** Whether a restart ends live subscriptions at once, or when the next message shows the new epoch. */
  readonly restartEnds: 'immediately' | 'on-next-publish';
  subscriberCount(hub: Hub, channel: string): number;
  dispose(real: Real): Promise<void>;
}

function learnEpoch(model: Model, epoch: string): number {
  const known = model.epochs.indexOf(epoch);
  if (known !== -1) return known;
  if (model.epochs[model.gen] === undefined) {
    model.epochs[model.gen] = epoch;
    return model.gen;
  }
  return -1;
}

function posOf(model: Model, id: string): Pos {
  const parsed = parseMessageId(id);
  if (parsed === null) return { gen: -2, offset: -1 };
  return { gen: learnEpoch(model, parsed.epoch), offset: parsed.offset };
}

function normalise(model: Model, event: SubscriptionEvent): Seen {
  switch (event.type) {
    case 'message':
      return { type: 'message', pos: posOf(model, event.message.id), data: event.message.data };
    case 'gap':
      return {
        type: 'gap',
        since: event.since,
        reason: event.reason,
        firstAvailable: event.firstAvailableId === null ? null : posOf(model, event.firstAvailableId),
      };
    case 'live':
      return { type: 'live', head: posOf(model, event.headId) };
    case 'error':
      return { type: 'error' };
  }
}

function channelMessages(model: Model, channel: string): string[] {
  let list = model.messages.get(channel);
  if (list === undefined) {
    list = [];
    model.messages.set(channel, list);
  }
  return list;
}

/** What a subscribe with `since` must deliver up to its live marker, given the head it read. */
function expectedStart(model: Model, channel: string, since: string | undefined, head: number): Seen[] {
  const gen = model.gen;
  const data = channelMessages(model, channel);
  if (since === undefined) return [{ type: 'live', head: { gen, offset: head } }];
  const first = Math.max(1, head - MAX_HISTORY + 1);
  const parsed = parseMessageId(since);
  let reason: GapReason | null = null;
  if (parsed === null) reason = 'unknown-id';
  else if (model.epochs.indexOf(parsed.epoch) !== gen || model.epochs[gen] === undefined) reason = 'epoch-changed';
  else if (parsed.offset > head) reason = 'unknown-id';
  else if (parsed.offset < first - 1) reason = 'expired';
  const out: Seen[] = [];
  let from: number;
  if (reason === null) from = (parsed?.offset ?? 0) + 1;
  else {
    out.push({ type: 'gap', since, reason, firstAvailable: head >= first ? { gen, offset: first } : null });
    from = first;
  }
  for (let offset = from; offset <= head; offset++) out.push({ type: 'message', pos: { gen, offset }, data: data[offset - 1] });
  out.push({ type: 'live', head: { gen, offset: head } });
  return out;
}

function listenerFor(client: RealClient): (event: SubscriptionEvent) => void {
  return (event) => {
    client.events.push(event);
    if (event.type === 'message') client.cursor = event.message.id;
    else if (event.type === 'live') client.cursor = event.headId;
    else if (event.type === 'error') client.subscription = null;
  };
}

async function settle(model: Model, real: Real): Promise<void> {
  const deadline = Date.now() + 3000;
  for (let i = 0; i < CLIENTS; i++) {
    while (real.clients[i].events.length < model.clients[i].expected.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  for (let i = 0; i < CLIENTS; i++) {
    expect(real.clients[i].events.map((event) => normalise(model, event)), `client ${i}`).toEqual(model.clients[i].expected);
  }
  for (const channel of CHANNELS) {
    real.hubs.forEach((hub, via) => {
      const connected = model.clients.filter((client, i) => client.connected && client.channel === channel && real.clients[i].via === via).length;
      expect(real.variant.subscriberCount(hub, channel), `subscribers on ${channel} via hub ${via}`).toBe(connected);
    });
  }
}

/** Model side of a publish that got `id`. */
function published(model: Model, channel: string, id: string, data: string, restartEnds: Variant['restartEnds']): void {
  const list = channelMessages(model, channel);
  list.push(data);
  const pos = posOf(model, id);
  expect(pos).toEqual({ gen: model.gen, offset: list.length });
  for (const client of model.clients) {
    if (!client.connected || client.channel !== channel) continue;
    if (client.sessionGen !== model.gen) {
      // Only reachable when restarts end sessions lazily: the new epoch ends this one.
      expect(restartEnds).toBe('on-next-publish');
      client.expected.push({ type: 'error' });
      client.connected = false;
    } else {
      client.expected.push({ type: 'message', pos, data });
    }
  }
}

class PublishCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly channel: string,
    readonly via: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    const data = `m${model.published++}`;
    const id = await real.hubs[this.via % real.hubs.length].publish(this.channel, { data });
    published(model, this.channel, id, data, real.variant.restartEnds);
    await settle(model, real);
  }
  toString(): string {
    return `publish(${this.channel}, via ${this.via})`;
  }
}

type ResumeKind = 'last' | 'fresh' | 'future' | 'garbage';

function sinceFor(kind: ResumeKind, cursor: string | undefined): string | undefined {
  if (kind === 'fresh' || cursor === undefined) return kind === 'garbage' ? 'not an id' : undefined;
  if (kind === 'last') return cursor;
  if (kind === 'future') {
    const parsed = parseMessageId(cursor);
    return parsed === null ? cursor : `${parsed.epoch}-${parsed.offset + 5}`;
  }
  return 'not an id';
}

class SubscribeCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly client: number,
    readonly kind: ResumeKind,
  ) {}
  check(model: Model): boolean {
    return !model.clients[this.client].connected;
  }
  async run(model: Model, real: Real): Promise<void> {
    const client = real.clients[this.client];
    const modelClient = model.clients[this.client];
    const since = sinceFor(this.kind, client.cursor);
    const head = channelMessages(model, client.channel).length;
    // Computed before the hub runs: the model must not learn from the answer it checks.
    const expected = expectedStart(model, client.channel, since, head);
    client.subscription = await real.hubs[client.via].subscribe(client.channel, listenerFor(client), since === undefined ? {} : { since });
    modelClient.connected = true;
    modelClient.sessionGen = model.gen;
    modelClient.expected.push(...expected);
    await settle(model, real);
  }
  toString(): string {
    return `subscribe(client ${this.client}, ${this.kind})`;
  }
}

/**
 * A subscribe racing `count` publishes on its channel: which of them land before its read
 * is up to the hub, so the model takes the head from the live marker, checks it lies
 * within the race, and predicts everything else from it.
 */
class RacingSubscribeCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly client: number,
    readonly before: number,
    readonly after: number,
  ) {}
  check(model: Model): boolean {
    return !model.clients[this.client].connected;
  }
  async run(model: Model, real: Real): Promise<void> {
    const client = real.clients[this.client];
    const modelClient = model.clients[this.client];
    const { channel } = client;
    const since = client.cursor;
    const head0 = channelMessages(model, channel).length;
    const total = this.before + this.after;
    const data = Array.from({ length: total }, () => `m${model.published++}`);
    const publishes: Promise<string>[] = [];
    // Publishers alternate between the hubs, so with two processes the race spans both.
    const publish = (i: number): Promise<string> => real.hubs[i % real.hubs.length].publish(channel, { data: data[i] });
    for (let i = 0; i < this.before; i++) publishes.push(publish(i));
    const startAt = client.events.length;
    const subscribing = real.hubs[client.via].subscribe(channel, listenerFor(client), since === undefined ? {} : { since });
    // Spaced out, so some land after the subscribe's read and reach it live, mid-replay.
    for (let i = this.before; i < total; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      publishes.push(publish(i));
    }
    const ids = await Promise.all(publishes);
    client.subscription = await subscribing;
    // The hub decides the order; the model follows the offsets it gave.
    const byOffset = ids.map((id, i) => ({ id, data: data[i], offset: parseMessageId(id)?.offset ?? -1 })).sort((a, b) => a.offset - b.offset);
    for (const message of byOffset) published(model, channel, message.id, message.data, real.variant.restartEnds);
    const live = client.events.slice(startAt).find((event) => event.type === 'live');
    expect(live, 'a live marker').toBeDefined();
    const head = live?.type === 'live' ? (parseMessageId(live.headId)?.offset ?? -1) : -1;
    expect(head).toBeGreaterThanOrEqual(head0);
    expect(head).toBeLessThanOrEqual(head0 + total);
    // The model state at `head`: the messages up to it are what the read could see.
    const expected = expectedStart(model, channel, since, head);
    for (let offset = head + 1; offset <= head0 + total; offset++) {
      expected.push({ type: 'message', pos: { gen: model.gen, offset }, data: channelMessages(model, channel)[offset - 1] });
    }
    modelClient.connected = true;
    modelClient.sessionGen = model.gen;
    modelClient.expected.push(...expected);
    await settle(model, real);
  }
  toString(): string {
    return `racingSubscribe(client ${this.client}, ${this.before} before, ${this.after} after)`;
  }
}

class UnsubscribeCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly client: number) {}
  check(model: Model): boolean {
    return model.clients[this.client].connected;
  }
  async run(model: Model, real: Real): Promise<void> {
    const client = real.clients[this.client];
    await client.subscription?.unsubscribe();
    client.subscription = null;
    model.clients[this.client].connected = false;
    await settle(model, real);
  }
  toString(): string {
    return `unsubscribe(client ${this.client})`;
  }
}

class RestartCommand implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(model: Model, real: Real): Promise<void> {
    await real.variant.restart(real);
    model.gen++;
    model.messages.clear();
    if (real.variant.restartEnds === 'immediately') {
      for (const client of model.clients) {
        if (!client.connected) continue;
        client.expected.push({ type: 'error' });
        client.connected = false;
      }
    }
    await settle(model, real);
  }
  toString(): string {
    return 'restart';
  }
}

const publishCommand = fc.tuple(fc.constantFrom(...CHANNELS), fc.nat(1)).map(([channel, via]) => new PublishCommand(channel, via));
const subscribeCommand = fc
  .tuple(fc.nat(CLIENTS - 1), fc.constantFrom<ResumeKind>('last', 'last', 'last', 'fresh', 'future', 'garbage'))
  .map(([client, kind]) => new SubscribeCommand(client, kind));
const unsubscribeCommand = fc.nat(CLIENTS - 1).map((client) => new UnsubscribeCommand(client));

// fc.commands picks each listed arbitrary equally often: repeats set the mix.
const commands = fc.commands(
  [
    publishCommand,
    publishCommand,
    publishCommand,
    publishCommand,
    subscribeCommand,
    subscribeCommand,
    subscribeCommand,
    unsubscribeCommand,
    unsubscribeCommand,
    fc.tuple(fc.nat(CLIENTS - 1), fc.nat(3), fc.nat(3)).map(([client, before, after]) => new RacingSubscribeCommand(client, before, after)),
    fc.constant(null).map(() => new RestartCommand()),
  ],
  { maxCommands: 40, size: 'max' },
);

async function runContract(variant: Variant, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(commands, async (cmds) => {
      const hubs = await variant.create();
      const real: Real = {
        hubs,
        variant,
        // Clients 0 and 1 share a channel through different hubs, and so do 2 and 3.
        clients: Array.from({ length: CLIENTS }, (_, i) => ({
          channel: CHANNELS[Math.floor(i / 2) % CHANNELS.length],
          via: i % hubs.length,
          cursor: undefined,
          subscription: null,
          events: [],
        })),
      };
      const model: Model = {
        gen: 0,
        epochs: [],
        messages: new Map(),
        clients: real.clients.map((client) => ({ connected: false, sessionGen: 0, channel: client.channel, expected: [] })),
        published: 0,
      };
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        // Nothing extra trickles in afterwards (a late duplicate, say).
        await new Promise((resolve) => setTimeout(resolve, 5));
        await settle(model, real);
      } finally {
        await variant.dispose(real);
      }
    }),
    { numRuns },
  );
}

describe('hub contract (model-based)', () => {
  it('MemoryHub', async () => {
    const memory: Variant = {
      name: 'memory',
      create: async () => [new MemoryHub({ maxHistory: MAX_HISTORY })],
      restart: async (real) => {
        await real.hubs[0].close();
        real.hubs[0] = new MemoryHub({ maxHistory: MAX_HISTORY });
      },
      restartEnds: 'immediately',
      subscriberCount: (hub, channel) => (hub as MemoryHub).subscriberCount(channel),
      dispose: (real) => real.hubs[0].close(),
    };
    await runContract(memory, 150);
  });

  describe('RedisHub', () => {
    const pairs: RedisPair[] = [];
    beforeAll(async () => {
      pairs.push(await connectPair(), await connectPair());
    });
    afterAll(async () => {
      for (const pair of pairs) await pair.close();
    });

    it('two hubs (two processes) on the real Redis, sharing channels, ids and history', async () => {
      const prefixes = new Map<Hub, string>();
      const subscribeSha = luaScript(SUBSCRIBE_SCRIPT).sha1;
      const prefixOf = (real: Real): string => prefixes.get(real.hubs[0]) ?? 'unset:';
      const redis: Variant = {
        name: 'redis',
        create: async () => {
          const keyPrefix = uniquePrefix('model');
          const hubs = pairs.map((pair) => {
            const commander = nodeRedisCommander(pair.client);
            return new RedisHub({
              // Replay reads answer 2 ms late, so racing publishes reach subscribers mid-replay.
              commander: {
                sendCommand: async (args) => {
                  const reply = await commander.sendCommand(args);
                  if (args[1] === subscribeSha) await new Promise((resolve) => setTimeout(resolve, 2));
                  return reply;
                },
              },
              subscriber: nodeRedisSubscriber(pair.subscriber),
              keyPrefix,
              maxHistory: MAX_HISTORY,
            });
          });
          prefixes.set(hubs[0], keyPrefix);
          return hubs;
        },
        // Redis lost its data: the processes stay, the keys are gone.
        restart: (real) => deleteKeys(pairs[0].client, prefixOf(real)),
        restartEnds: 'on-next-publish',
        subscriberCount: (hub, channel) => (hub as RedisHub).subscriberCount(channel),
        dispose: async (real) => {
          await Promise.all(real.hubs.map((hub) => hub.close()));
          await deleteKeys(pairs[0].client, prefixOf(real));
          prefixes.delete(real.hubs[0]);
        },
      };
      await runContract(redis, 60);
    });
  });
});
