// A Hub on Redis, so several server processes share channels, ids and history. A Stream
// per channel holds the history (XADD MAXLEN, read back with XRANGE), Pub/Sub carries live
// messages between processes, and the epoch is a Redis key, so a client resumes on any
// process and a Redis that lost its data shows up as a new epoch. See redis-scripts.ts
// for the two atomic steps everything rests on.
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_MAX_DATA_LENGTH,
  HubClosedError,
  HubInputError,
  formatMessageId,
  isValidEpoch,
  parseMessageId,
  validateChannelName,
  validatePublishInput,
  type GapReason,
  type Hub,
  type HubMessage,
  type PublishInput,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionEvent,
  type SubscriptionListener,
} from '../protocol/hub/contract.js';
import { asError } from '../protocol/errors.js';
import { nonNegativeInteger, positiveInteger } from '../protocol/integer-option.js';
import { HubUnavailableError } from './hub-unavailable-error.js';
import { countBackplaneError, countPublish } from '../metrics/library-metrics.js';
import type { RedisCommander, RedisSubscriber } from './redis-client.js';
import { decodeLivePayload, decodeStreamEntry, encodeBody } from './redis-message-codec.js';
import { PUBLISH_SCRIPT, SUBSCRIBE_SCRIPT, luaScript, runScript, type LuaScript } from './redis-scripts.js';
import { withTimeout } from './with-timeout.js';

export interface RedisHubOptions {
  /** Runs the scripts. Use a client with its offline queue off, so calls fail fast while Redis is down. */
  readonly commander: RedisCommander;
  /** A separate connection for Pub/Sub. */
  readonly subscriber: RedisSubscriber;
  /** Prefix of every key and Pub/Sub channel the hub uses. Default `switchboard:`. */
  readonly keyPrefix?: string;
  /** Messages kept per channel for replay (XADD MAXLEN). Default 1 000. */
  readonly maxHistory?: number;
  /** Oldest message age kept for replay, in ms. Default 10 minutes. */
  readonly maxHistoryAgeMs?: number;
  /** Longest `data` accepted, in UTF-16 code units. Default 1 MiB. */
  readonly maxDataLength?: number;
  /** Most channels this process is subscribed to at once (one Redis SUBSCRIBE each). Default 10 000. */
  readonly maxChannels?: number;
  /**
   * Live messages held per subscriber while its replay is read; more fail the subscribe
   * (the subscriber could never catch up). Default 10 000.
   */
  readonly maxPendingLive?: number;
  /** Deadline of every Redis call, in ms. Default 5 000. */
  readonly commandTimeoutMs?: number;
  /** Clock for `publishedAt` and the age limit; all processes should agree on it. Default `Date.now`. */
  readonly now?: () => number;
}

type Phase =
  /** Waiting for SUBSCRIBE and the replay read; live messages are held in `pending`. */
  | 'starting'
  | 'live'
  | 'ended';

interface LocalSubscriber {
  readonly listener: SubscriptionListener;
  phase: Phase;
  readonly pending: HubMessage[];
  /** Set while starting when the subscription cannot go on; subscribe() rejects with it. */
  failure: Error | null;
  epoch: string;
  /** Offset of the next live message this subscriber expects. */
  nextOffset: number;
}

interface ChannelEntry {
  readonly channel: string;
  readonly subscribers: Set<LocalSubscriber>;
  readonly onMessage: (payload: string) => void;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  ready: Promise<void>;
}

/** What a RedisPresence shares with its hub: the connection, the key scheme, the history limits, the clock. Not public API. */
export interface RedisHubInternals {
  readonly commander: RedisCommander;
  readonly keyPrefix: string;
  readonly maxHistory: number;
  readonly maxHistoryAgeMs: number;
  readonly commandTimeoutMs: number;
  readonly now: () => number;
}

const internalsOf = new WeakMap<RedisHub, RedisHubInternals>();

export function redisHubInternals(hub: RedisHub): RedisHubInternals | undefined {
  return internalsOf.get(hub);
}

const PUBLISH = luaScript(PUBLISH_SCRIPT);
const SUBSCRIBE = luaScript(SUBSCRIBE_SCRIPT);

export class RedisHub implements Hub {
  readonly keyPrefix: string;
  private readonly commander: RedisCommander;
  private readonly subscriber: RedisSubscriber;
  private readonly maxHistory: number;
  private readonly maxHistoryAgeMs: number;
  private readonly maxDataLength: number;
  private readonly maxChannels: number;
  private readonly maxPendingLive: number;
  private readonly commandTimeoutMs: number;
  private readonly now: () => number;
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly stopWatching: () => void;
  private closed = false;

  constructor(options: RedisHubOptions) {
    if (typeof options?.commander?.sendCommand !== 'function') throw new HubInputError('commander must have a sendCommand function');
    const { subscriber } = options;
    if (typeof subscriber?.subscribe !== 'function' || typeof subscriber.unsubscribe !== 'function' || typeof subscriber.onConnectionLost !== 'function') {
      throw new HubInputError('subscriber must have subscribe, unsubscribe and onConnectionLost functions');
    }
    this.commander = options.commander;
    this.subscriber = subscriber;
    this.keyPrefix = options.keyPrefix ?? 'switchboard:';
    if (typeof this.keyPrefix !== 'string' || this.keyPrefix.length > 256) throw new HubInputError('keyPrefix must be a string of at most 256 characters');
    this.maxHistory = nonNegativeInteger(options.maxHistory ?? 1000, 'maxHistory');
    this.maxHistoryAgeMs = positiveInteger(options.maxHistoryAgeMs ?? 10 * 60_000, 'maxHistoryAgeMs');
    this.maxDataLength = positiveInteger(options.maxDataLength ?? DEFAULT_MAX_DATA_LENGTH, 'maxDataLength');
    this.maxChannels = positiveInteger(options.maxChannels ?? 10_000, 'maxChannels');
    this.maxPendingLive = positiveInteger(options.maxPendingLive ?? 10_000, 'maxPendingLive');
    this.commandTimeoutMs = positiveInteger(options.commandTimeoutMs ?? 5000, 'commandTimeoutMs');
    this.now = options.now ?? Date.now;
    this.stopWatching = subscriber.onConnectionLost((error) => this.connectionLost(error));
    const { commander, keyPrefix, maxHistory, maxHistoryAgeMs, commandTimeoutMs, now } = this;
    internalsOf.set(this, { commander, keyPrefix, maxHistory, maxHistoryAgeMs, commandTimeoutMs, now });
  }

  async publish(channel: string, message: PublishInput): Promise<string> {
    this.assertOpen();
    validatePublishInput(channel, message, this.maxDataLength);
    const started = performance.now();
    const reply = await this.run('publish', PUBLISH, channel, [
      newEpoch(),
      String(this.now()),
      String(this.maxHistory),
      String(this.maxHistoryAgeMs),
      encodeBody(message),
      this.liveChannel(channel),
    ]);
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !isValidEpoch(reply[0]) || typeof reply[1] !== 'string' || !/^[1-9][0-9]*$/.test(reply[1])) {
      throw new HubUnavailableError('Redis publish script gave an unexpected reply');
    }
    countPublish('redis', (performance.now() - started) / 1000);
    return formatMessageId(reply[0], Number(reply[1]));
  }

  async subscribe(channel: string, listener: SubscriptionListener, options: SubscribeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    validateChannelName(channel);
    if (typeof listener !== 'function') throw new HubInputError('listener must be a function');
    const entry = this.channelEntry(channel);
    const sub: LocalSubscriber = { listener, phase: 'starting', pending: [], failure: null, epoch: '', nextOffset: 0 };
    entry.subscribers.add(sub);
    const subscription: Subscription = { channel, unsubscribe: () => this.detach(entry, sub) };
    try {
      // SUBSCRIBE before reading the head: whatever is published after the read is then
      // sure to arrive live, and `pending` catches what arrives before the read returns.
      await entry.ready;
      const reply = await this.run('subscribe', SUBSCRIBE, channel, [newEpoch(), String(this.now() - this.maxHistoryAgeMs), ...sinceArguments(options.since)]);
      if (sub.failure !== null) throw sub.failure;
      this.start(entry, sub, options.since, reply);
    } catch (error) {
      void this.detach(entry, sub);
      throw error;
    }
    return subscription;
  }

  /** Live local subscriptions on a channel: lets servers and tests check nothing is left behind. */
  subscriberCount(channel: string): number {
    // Live ones only, as MemoryHub's are once subscribe() returns: a subscriber still
    // reading the head of the stream would not yet see a message published now.
    let live = 0;
    for (const sub of this.channels.get(channel)?.subscribers ?? []) if (sub.phase === 'live') live++;
    return live;
  }

  /** Channels this process is subscribed to in Redis. */
  get channelCount(): number {
    return this.channels.size;
  }

  /**
   * Ends every subscription with an `error` event, unsubscribes from Redis and rejects later
   * calls. The Redis clients belong to the caller and stay open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching();
    const entries = [...this.channels.values()];
    this.channels.clear();
    const error = new HubClosedError('hub closed');
    for (const entry of entries) this.endAll(entry, error);
    await Promise.all(entries.map((entry) => this.unsubscribeFromRedis(entry)));
  }

  /** Replays and goes live, all synchronously, so no live message can slip in between. */
  private start(entry: ChannelEntry, sub: LocalSubscriber, since: string | undefined, reply: unknown): void {
    const { channel } = entry;
    if (!Array.isArray(reply) || reply.length !== 4 || typeof reply[0] !== 'string' || !isValidEpoch(reply[0]) || typeof reply[1] !== 'string' || typeof reply[2] !== 'string' || !Array.isArray(reply[3])) {
      throw new HubUnavailableError('Redis subscribe script gave an unexpected reply');
    }
    const [epoch, lastText, reason, entries] = reply as [string, string, string, unknown[]];
    const last = Number(lastText);
    const replay: HubMessage[] = [];
    for (const item of entries) {
      const message = decodeStreamEntry(channel, epoch, item);
      if (message === null) throw new HubUnavailableError(`Redis stream of channel ${JSON.stringify(channel)} holds a malformed entry`);
      replay.push(message);
    }
    sub.phase = 'live';
    sub.epoch = epoch;
    if (reason !== '' && since !== undefined) {
      this.deliver(entry, sub, { type: 'gap', channel, since, reason: reason as GapReason, firstAvailableId: replay[0]?.id ?? null });
    }
    for (const message of replay) {
      if (sub.phase !== 'live') return;
      this.deliver(entry, sub, { type: 'message', message });
    }
    sub.nextOffset = last + 1;
    if (sub.phase !== 'live') return;
    this.deliver(entry, sub, { type: 'live', channel, headId: formatMessageId(epoch, last) });
    const pending = sub.pending.splice(0);
    for (const message of pending) this.deliverLive(entry, sub, message);
  }

  private channelEntry(channel: string): ChannelEntry {
    const existing = this.channels.get(channel);
    if (existing !== undefined) return existing;
    if (this.channels.size >= this.maxChannels) throw new HubInputError(`too many channels (maxChannels ${this.maxChannels})`);
    const entry: ChannelEntry = {
      channel,
      subscribers: new Set(),
      onMessage: (payload) => this.onLiveMessage(entry, payload),
      ready: Promise.resolve(),
    };
    const subscribed = this.subscriber.subscribe(this.liveChannel(channel), entry.onMessage);
    entry.ready = withTimeout(subscribed, this.commandTimeoutMs, 'SUBSCRIBE').catch((error: unknown) => {
      // A SUBSCRIBE that lands after its deadline must not leave a listener behind.
      subscribed.then(() => this.subscriber.unsubscribe(this.liveChannel(channel), entry.onMessage)).catch(() => {});
      if (this.channels.get(channel) === entry) this.channels.delete(channel);
      const failure = unavailable('SUBSCRIBE', error);
      countBackplaneError('SUBSCRIBE', failure);
      throw failure;
    });
    this.channels.set(channel, entry);
    return entry;
  }

  private onLiveMessage(entry: ChannelEntry, payload: string): void {
    const message = decodeLivePayload(entry.channel, payload);
    // Not written by the publish script (someone else publishing on our channel): ignore.
    if (message === null) return;
    for (const sub of [...entry.subscribers]) {
      if (sub.phase === 'live') this.deliverLive(entry, sub, message);
      else if (sub.phase === 'starting' && sub.failure === null) {
        if (sub.pending.length >= this.maxPendingLive) {
          sub.pending.length = 0;
          sub.failure = new HubUnavailableError(`more than maxPendingLive (${this.maxPendingLive}) live messages arrived while reading the replay`);
        } else sub.pending.push(message);
      }
    }
  }

  /** Delivers a live message in sequence; a hole means Pub/Sub lost messages, so the subscriber must resume. */
  private deliverLive(entry: ChannelEntry, sub: LocalSubscriber, message: HubMessage): void {
    if (message.epoch !== sub.epoch) {
      this.end(entry, sub, new HubUnavailableError('Redis history was reset (new epoch); subscribe again with the last id to resume'));
    } else if (message.offset > sub.nextOffset) {
      countBackplaneError('missed-live', new HubUnavailableError('missed live messages'));
      this.end(entry, sub, new HubUnavailableError(`missed live messages (expected offset ${sub.nextOffset}, got ${message.offset}); subscribe again with the last id to resume`));
    } else if (message.offset === sub.nextOffset) {
      sub.nextOffset++;
      this.deliver(entry, sub, { type: 'message', message });
    }
    // An offset below nextOffset was already replayed.
  }

  private deliver(entry: ChannelEntry, sub: LocalSubscriber, event: SubscriptionEvent): void {
    try {
      sub.listener(event);
    } catch {
      // One broken subscriber must not stop the fan-out to the others.
      void this.detach(entry, sub);
    }
  }

  /** Ends one subscription: an `error` event when it was live, a rejected subscribe() when starting. */
  private end(entry: ChannelEntry, sub: LocalSubscriber, error: Error): void {
    if (sub.phase === 'starting') {
      sub.failure ??= error;
      return;
    }
    if (sub.phase === 'ended') return;
    void this.detach(entry, sub);
    try {
      sub.listener({ type: 'error', channel: entry.channel, error });
    } catch {
      // The subscription is over; a listener failing now has nothing left to lose.
    }
  }

  private endAll(entry: ChannelEntry, error: Error): void {
    for (const sub of [...entry.subscribers]) this.end(entry, sub, error);
  }

  private async detach(entry: ChannelEntry, sub: LocalSubscriber): Promise<void> {
    sub.phase = 'ended';
    entry.subscribers.delete(sub);
    if (entry.subscribers.size > 0 || this.channels.get(entry.channel) !== entry) return;
    this.channels.delete(entry.channel);
    await this.unsubscribeFromRedis(entry);
  }

  /** Best effort: delivery already stopped locally, so a Redis that is down changes nothing. */
  private async unsubscribeFromRedis(entry: ChannelEntry): Promise<void> {
    const unsubscribe = entry.ready.then(() => this.subscriber.unsubscribe(this.liveChannel(entry.channel), entry.onMessage));
    await withTimeout(unsubscribe, this.commandTimeoutMs, 'UNSUBSCRIBE').catch(() => {});
  }

  /**
   * The Pub/Sub connection dropped: whatever was published meanwhile is lost to it, so every
   * subscription ends with an error and its client resumes from its last id, out of the stream.
   */
  private connectionLost(cause: Error): void {
    const entries = [...this.channels.values()];
    this.channels.clear();
    const error = new HubUnavailableError(`Redis subscriber connection lost (${cause.message}); subscribe again with the last id to resume`, { cause });
    countBackplaneError('connection-lost', error);
    for (const entry of entries) {
      this.endAll(entry, error);
      void this.unsubscribeFromRedis(entry);
    }
  }

  private async run(what: string, script: LuaScript, channel: string, args: string[]): Promise<unknown> {
    const keys = [`${this.keyPrefix}epoch`, `${this.keyPrefix}offset:${channel}`, `${this.keyPrefix}stream:${channel}`];
    try {
      return await withTimeout(runScript(this.commander, script, keys, args), this.commandTimeoutMs, what);
    } catch (error) {
      const failure = unavailable(what, error);
      if (!(failure instanceof HubClosedError)) countBackplaneError(what, failure);
      throw failure;
    }
  }

  private liveChannel(channel: string): string {
    return `${this.keyPrefix}live:${channel}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new HubClosedError('hub closed');
  }
}

function sinceArguments(since: string | undefined): string[] {
  if (since === undefined) return ['live', '', ''];
  const position = parseMessageId(since);
  if (position === null) return ['bad-id', '', ''];
  return ['since', position.epoch, String(position.offset)];
}

function newEpoch(): string {
  return randomBytes(6).toString('hex');
}

function unavailable(what: string, error: unknown): Error {
  if (error instanceof HubUnavailableError || error instanceof HubClosedError) return error;
  return new HubUnavailableError(`Redis ${what} failed: ${asError(error).message}`, { cause: error });
}
