// In-memory hub: bounded history per channel (by count and by age), synchronous fan-out.
// Its history dies with the process, so every instance starts a new epoch.
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
import { nonNegativeInteger, positiveInteger } from '../protocol/integer-option.js';
import { countPublish } from '../metrics/library-metrics.js';

export interface MemoryHubOptions {
  /** Messages kept per channel for replay. Default 1 000. */
  readonly maxHistory?: number;
  /** Oldest message age kept for replay, in ms. Default 10 minutes. */
  readonly maxHistoryAgeMs?: number;
  /** Longest `data` accepted, in UTF-16 code units. Default 1 MiB. */
  readonly maxDataLength?: number;
  /** Most channels held at once; each keeps its offset counter for the hub's lifetime. Default 10 000. */
  readonly maxChannels?: number;
  /** Epoch of this hub's ids. Default: random, so a restart is visible to clients. */
  readonly epoch?: string;
  /** Clock, injectable for tests. Default `Date.now`. */
  readonly now?: () => number;
}

interface ChannelState {
  lastOffset: number;
  // Messages in offset order; `head` skips dropped ones so trimming is O(1) amortised.
  readonly history: HubMessage[];
  head: number;
  readonly listeners: Set<SubscriptionListener>;
}

export class MemoryHub implements Hub {
  readonly epoch: string;
  private readonly maxHistory: number;
  private readonly maxHistoryAgeMs: number;
  private readonly maxDataLength: number;
  private readonly maxChannels: number;
  private readonly now: () => number;
  private readonly channels = new Map<string, ChannelState>();
  private closed = false;

  constructor(options: MemoryHubOptions = {}) {
    this.maxHistory = nonNegativeInteger(options.maxHistory ?? 1000, 'maxHistory');
    this.maxHistoryAgeMs = positiveInteger(options.maxHistoryAgeMs ?? 10 * 60_000, 'maxHistoryAgeMs');
    this.maxDataLength = positiveInteger(options.maxDataLength ?? DEFAULT_MAX_DATA_LENGTH, 'maxDataLength');
    this.maxChannels = positiveInteger(options.maxChannels ?? 10_000, 'maxChannels');
    this.epoch = options.epoch ?? randomBytes(6).toString('hex');
    if (!isValidEpoch(this.epoch)) throw new HubInputError('epoch must be 1 to 64 characters of [0-9A-Za-z_]');
    this.now = options.now ?? Date.now;
  }

  async publish(channel: string, message: PublishInput): Promise<string> {
    this.assertOpen();
    validatePublishInput(channel, message, this.maxDataLength);
    const started = performance.now();
    const state = this.channel(channel);
    const now = this.now();
    const offset = state.lastOffset + 1;
    const stored: HubMessage = {
      channel,
      id: formatMessageId(this.epoch, offset),
      epoch: this.epoch,
      offset,
      ...(message.event === undefined ? {} : { event: message.event }),
      data: message.data,
      publishedAt: now,
    };
    state.lastOffset = offset;
    if (this.maxHistory > 0) state.history.push(stored);
    this.trim(state, now);
    const event: SubscriptionEvent = { type: 'message', message: stored };
    for (const listener of state.listeners) this.deliver(state, listener, event);
    // Delivery to this process's subscribers included: that is the publish's cost here.
    countPublish('memory', (performance.now() - started) / 1000);
    return stored.id;
  }

  async subscribe(channel: string, listener: SubscriptionListener, options: SubscribeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    validateChannelName(channel);
    if (typeof listener !== 'function') throw new HubInputError('listener must be a function');
    const state = this.channel(channel);
    this.trim(state, this.now());
    state.listeners.add(listener);
    // Replay and registration happen in one synchronous step, so no message published
    // meanwhile can fall between them or arrive twice.
    if (options.since !== undefined) {
      const from = this.replayStart(state, channel, options.since, listener);
      for (let i = from; i < state.history.length && state.listeners.has(listener); i++) {
        this.deliver(state, listener, { type: 'message', message: state.history[i] });
      }
    }
    this.deliver(state, listener, { type: 'live', channel, headId: formatMessageId(this.epoch, state.lastOffset) });
    return {
      channel,
      unsubscribe: async () => {
        state.listeners.delete(listener);
        this.forgetIfUnused(channel, state);
      },
    };
  }

  /** Live subscriptions on a channel: lets servers and tests check nothing is left behind. */
  subscriberCount(channel: string): number {
    return this.channels.get(channel)?.listeners.size ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new HubClosedError('hub closed');
    for (const [channel, state] of this.channels) {
      const listeners = [...state.listeners];
      state.listeners.clear();
      for (const listener of listeners) {
        try {
          listener({ type: 'error', channel, error });
        } catch {
          // The hub is going away; a listener failing here has nothing left to lose.
        }
      }
    }
    this.channels.clear();
  }

  /** Index in `history` to replay from, after telling the listener about any gap. */
  private replayStart(state: ChannelState, channel: string, since: string, listener: SubscriptionListener): number {
    const first = state.head < state.history.length ? state.history[state.head].offset : state.lastOffset + 1;
    const position = parseMessageId(since);
    let reason: GapReason | null = null;
    if (position === null) reason = 'unknown-id';
    else if (position.epoch !== this.epoch) reason = 'epoch-changed';
    else if (position.offset > state.lastOffset) reason = 'unknown-id';
    else if (position.offset < first - 1) reason = 'expired';
    else return state.head + (position.offset - first + 1);
    const firstAvailableId = state.head < state.history.length ? state.history[state.head].id : null;
    this.deliver(state, listener, { type: 'gap', channel, since, reason, firstAvailableId });
    return state.head;
  }

  private channel(name: string): ChannelState {
    let state = this.channels.get(name);
    if (state === undefined) {
      if (this.channels.size >= this.maxChannels) throw new HubInputError(`too many channels (maxChannels ${this.maxChannels})`);
      state = { lastOffset: 0, history: [], head: 0, listeners: new Set() };
      this.channels.set(name, state);
    }
    return state;
  }

  /**
   * Subscribing to a name nobody publishes on must not use up `maxChannels` for good. A
   * channel that never issued an id can be dropped safely; one that did keeps its counter,
   * or a later message would reuse an id.
   */
  private forgetIfUnused(channel: string, state: ChannelState): void {
    if (state.listeners.size === 0 && state.lastOffset === 0 && this.channels.get(channel) === state) this.channels.delete(channel);
  }

  private trim(state: ChannelState, now: number): void {
    const { history } = state;
    while (history.length - state.head > this.maxHistory) state.head++;
    const oldest = now - this.maxHistoryAgeMs;
    while (state.head < history.length && history[state.head].publishedAt < oldest) state.head++;
    if (state.head > 64 && state.head * 2 > history.length) {
      history.splice(0, state.head);
      state.head = 0;
    }
  }

  private deliver(state: ChannelState, listener: SubscriptionListener, event: SubscriptionEvent): void {
    try {
      listener(event);
    } catch {
      // One broken subscriber must not stop the fan-out to the others.
      state.listeners.delete(listener);
    }
  }

  /** Channels currently held (for monitoring and tests). */
  get channelCount(): number {
    return this.channels.size;
  }

  private assertOpen(): void {
    if (this.closed) throw new HubClosedError('hub closed');
  }
}
