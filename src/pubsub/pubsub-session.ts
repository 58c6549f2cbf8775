// One `switchboard.v1` session, whatever carries it (docs/sessions.md): the client's
// channel subscriptions, its requests run one after another in the order sent, the
// heartbeat, and the end of a client that reads too slowly. The carrier (a WebSocket, an
// SSE response, a chain of polls) is a `SessionTransport`; see websocket-session.ts.
import type { IncomingMessage } from 'node:http';
import { asError } from '../protocol/errors.js';
import type { Hub } from '../protocol/hub/contract.js';
import {
  encodeServerMessage,
  parseClientMessage,
  type ClientMessage,
  type PubSubErrorCode,
  type PubSubLimits,
  type PublishMessage,
  type ServerMessage,
  type SubscribeMessage,
} from '../protocol/pubsub/index.js';
import type { FanoutRegistry } from './channel-fanout.js';
import { ChannelSubscription, type SubscriptionSink } from './channel-subscription.js';
import type { RecoverySettings } from './hub-recovery.js';

export type PubSubAction = 'subscribe' | 'publish';

/**
 * Decides whether the client behind `request` may do `action` on `channel`. `Request` is
 * the request that opened the session: a WebSocket upgrade's `IncomingMessage`, or for the
 * Switchboard mount also an HTTP/2 request (an SSE stream or a poll over HTTP/2).
 */
export type PubSubAuthorize<Request = IncomingMessage> = (request: Request, channel: string, action: PubSubAction) => boolean | Promise<boolean>;

export interface SessionSettings<Request = IncomingMessage> {
  readonly hub: Hub;
  readonly registry: FanoutRegistry;
  readonly recovery: RecoverySettings;
  readonly limits: PubSubLimits;
  readonly maxSubscriptions: number;
  readonly maxMessageBytes: number;
  readonly maxInvalidMessages: number;
  readonly maxPendingRequests: number;
  /** Interval of the `ping` heartbeat in ms, first sent when the session starts; undefined: none. */
  readonly heartbeatInterval: number | undefined;
  readonly authorize: PubSubAuthorize<Request> | undefined;
  readonly onError: ((error: Error, request: Request) => void) | undefined;
  /** Told when a subscription goes live and when it ends (presence, in the Switchboard mount). */
  readonly presence?: SessionPresence<Request>;
}

/** Follows which channels each session is live on, whatever its transport; a session is known by identity. */
export interface SessionPresence<Request = IncomingMessage> {
  /** `session`'s subscription to `channel` went live (after `subscribed` was sent). */
  joined(session: { readonly request: Request }, channel: string): void;
  /** That subscription ended: unsubscribed, failed, or the session closed. Once per `joined`. */
  left(session: { readonly request: Request }, channel: string): void;
}

/** Why a session ended on its own; its transport closes its carrier accordingly. */
export type SessionEndReason =
  /** A message could not be queued: the client reads slower than its channels go. */
  | 'too-slow'
  /** More malformed requests than `maxInvalidMessages`. */
  | 'too-many-invalid';

/** What carries a session's messages to its client. */
export interface SessionTransport {
  /** One server message, as JSON text; false when it could not be queued (the client is too slow). */
  sendText(text: string): boolean;
  /**
   * A message from a channel's shared fan-out: a whole WebSocket text frame (RFC 6455
   * §5.2), encoded once and shared by every subscriber of the channel; false as `sendText`.
   * A transport that is not a WebSocket gets the JSON text back with `frameText`.
   */
  sendFrame(frame: Buffer): boolean;
  /** Too many requests wait to be handled: take no more for now (a WebSocket pauses reading). */
  pauseRequests(): void;
  /** The requests waiting are below the bound again. */
  resumeRequests(): void;
  /** The session ended (`close()` was not called): close the carrier. Called at most once. */
  ended(reason: SessionEndReason): void;
}

export class PubSubSession<Request = IncomingMessage> implements SubscriptionSink {
  private readonly subscriptions = new Map<string, ChannelSubscription>();
  /** Channels whose subscription went live, told to `settings.presence`. */
  private readonly liveChannels = new Set<string>();
  private invalidMessages = 0;
  private pending = 0;
  private queue: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly transport: SessionTransport,
    readonly request: Request,
    private readonly settings: SessionSettings<Request>,
  ) {}

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends the first `ping` and starts the heartbeat, when the settings have one. */
  start(): void {
    const interval = this.settings.heartbeatInterval;
    if (interval === undefined || this.closed) return;
    const ping = (): void => this.send({ type: 'ping', interval });
    ping();
    this.heartbeat = setInterval(ping, interval);
    this.heartbeat.unref();
  }

  /** One client message: JSON text of `byteLength` bytes (UTF-8). */
  receive(text: string, byteLength: number): void {
    if (this.closed) return;
    if (byteLength > this.settings.maxMessageBytes) {
      this.reject(`message larger than ${this.settings.maxMessageBytes} bytes`);
      return;
    }
    const parsed = parseClientMessage(text, this.settings.limits);
    if (!parsed.ok) {
      this.reject(parsed.reason, parsed.ref, parsed.channel);
      return;
    }
    const message = parsed.message;
    this.enqueue(() => this.handle(message));
  }

  /** Resolves once every request received so far has been handled. */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * Requests run one after another, so replies come in request order and a client's
   * publishes reach the hub in the order sent even when `authorize` is asynchronous;
   * the transport takes no more while too many wait.
   */
  private enqueue(task: () => Promise<void> | void): void {
    if (++this.pending >= this.settings.maxPendingRequests) this.transport.pauseRequests();
    this.queue = this.queue
      .then(task)
      .catch((error: unknown) => this.report(error))
      .then(() => {
        if (--this.pending < this.settings.maxPendingRequests) this.transport.resumeRequests();
      });
  }

  /** A malformed request: an error reply (in order), and the session ended after too many. */
  private reject(reason: string, ref?: string, channel?: string): void {
    if (++this.invalidMessages > this.settings.maxInvalidMessages) {
      this.end('too-many-invalid');
      return;
    }
    this.enqueue(() => this.sendError('bad-request', reason, ref, channel));
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (this.closed) return;
    switch (message.type) {
      case 'subscribe':
        return this.subscribe(message);
      case 'unsubscribe': {
        const subscription = this.subscriptions.get(message.channel);
        if (subscription === undefined) return this.sendError('not-subscribed', 'not subscribed to this channel', undefined, message.channel);
        subscription.stop();
        this.subscriptions.delete(message.channel);
        this.wentAway(message.channel);
        this.send({ type: 'unsubscribed', channel: message.channel });
        return;
      }
      case 'publish':
        return this.publish(message);
    }
  }

  private async subscribe({ channel, since }: SubscribeMessage): Promise<void> {
    if (this.subscriptions.has(channel)) return this.sendError('already-subscribed', 'already subscribed to this channel', undefined, channel);
    if (this.subscriptions.size >= this.settings.maxSubscriptions) {
      return this.sendError('too-many-subscriptions', `at most ${this.settings.maxSubscriptions} subscriptions per connection`, undefined, channel);
    }
    if (!(await this.allowed(channel, 'subscribe'))) return this.sendError('forbidden', 'not allowed to subscribe to this channel', undefined, channel);
    if (this.closed) return;
    const subscription = new ChannelSubscription(channel, this.settings.hub, this.settings.registry, this, this.settings.recovery);
    this.subscriptions.set(channel, subscription);
    subscription.start(since);
  }

  private async publish({ channel, data, event, ref }: PublishMessage): Promise<void> {
    if (!(await this.allowed(channel, 'publish'))) return this.sendError('forbidden', 'not allowed to publish to this channel', ref, channel);
    let id: string;
    try {
      id = await this.settings.hub.publish(channel, event === undefined ? { data } : { data, event });
    } catch (error) {
      return this.sendError('publish-failed', asError(error).message, ref, channel);
    }
    if (ref !== undefined) this.send({ type: 'published', ref, id });
  }

  private async allowed(channel: string, action: 'subscribe' | 'publish'): Promise<boolean> {
    const authorize = this.settings.authorize;
    if (authorize === undefined) return true;
    try {
      return (await authorize(this.request, channel, action)) === true;
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  // ---- SubscriptionSink ----

  send(message: ServerMessage): void {
    if (this.closed) return;
    if (!this.transport.sendText(encodeServerMessage(message))) this.end('too-slow');
  }

  sendFrame(frame: Buffer): void {
    if (this.closed) return;
    if (!this.transport.sendFrame(frame)) this.end('too-slow');
  }

  ended(subscription: ChannelSubscription): void {
    if (this.subscriptions.get(subscription.channel) !== subscription) return;
    this.subscriptions.delete(subscription.channel);
    this.wentAway(subscription.channel);
  }

  live(subscription: ChannelSubscription): void {
    if (this.closed || this.subscriptions.get(subscription.channel) !== subscription || this.settings.presence === undefined) return;
    this.liveChannels.add(subscription.channel);
    this.settings.presence.joined(this, subscription.channel);
  }

  private wentAway(channel: string): void {
    if (this.liveChannels.delete(channel)) this.settings.presence?.left(this, channel);
  }

  // ---- Ending ----

  private sendError(code: PubSubErrorCode, message: string, ref?: string, channel?: string): void {
    this.send({ type: 'error', ref, channel, code, message });
  }

  /**
   * Ends the session on its own. A client too slow for its messages is not sent fewer:
   * dropping one silently would break the stream's promise, so the session ends and the
   * client resumes each channel from its last id on a new one.
   */
  private end(reason: SessionEndReason): void {
    if (this.closed) return;
    this.close();
    this.transport.ended(reason);
  }

  /** Stops every subscription and the heartbeat; nothing more is sent or handled. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const subscription of this.subscriptions.values()) subscription.stop();
    this.subscriptions.clear();
    for (const channel of [...this.liveChannels]) this.wentAway(channel);
  }

  private report(error: unknown): void {
    this.settings.onError?.(asError(error), this.request);
  }
}
