// A WebSocket client that comes back. It sits here, next to the backoff policy, rather
// than in src/websocket or a pub/sub folder: it is client-side policy built on top of
// the WebSocket client (transport) and the switchboard.v1 protocol core, and it needs no
// hub, so it stays below the hub layer and nothing below it imports it. backoff.ts stays
// pure and is shared with the long-poll client.
import {
  PUBSUB_PROTOCOL,
  encodeClientMessage,
  parseServerMessage,
  type ChannelMessage,
  type ErrorMessage,
  type GapMessage,
  type ServerMessage,
  type SubscribedMessage,
} from '../protocol/pubsub/index.js';
import { WebSocket, type SendData, type SendResult, type WebSocketClientOptions } from '../websocket/index.js';
import { Backoff, type BackoffOptions, type RandomSource } from '../protocol/reconnect/backoff.js';
import {
  DropEvent,
  PublishError,
  ReconnectEvent,
  ReconnectingCloseEvent,
  ReconnectingErrorEvent,
  ResumeEvent,
  ServerErrorEvent,
  type DropReason,
} from './reconnect-events.js';

export interface ReconnectingWebSocketOptions {
  /** Subprotocols offered. Default `switchboard.v1`. */
  readonly protocols?: string | readonly string[];
  /** Reconnection delays. Default 1 s doubling to 60 s, ±10 % jitter (DEFAULT_BACKOFF). */
  readonly backoff?: Partial<BackoffOptions>;
  /** Random source for the jitter. Default `Math.random`. */
  readonly random?: RandomSource;
  /** Gives up after this many reconnection attempts in a row that did not open. Default Infinity. */
  readonly maxAttempts?: number;
  /** Close codes (and reasons) that mean "do not come back". Default: 1008 and 4000–4999. */
  readonly shouldStop?: (code: number, reason: string) => boolean;
  /** Messages (sends and publishes) kept while disconnected; past it they are dropped with a 'drop' event. Default 1 000. */
  readonly maxQueuedMessages?: number;
  /** Bytes kept while disconnected, likewise. Default 1 MiB. */
  readonly maxQueuedBytes?: number;
  /** Publishes waiting for their acknowledgement (queued or in flight); past it `publish` rejects. Default 1 000. */
  readonly maxPendingPublishes?: number;
  /** Options of every underlying WebSocket (headers, TLS, handshake timeout, heartbeat…). */
  readonly websocket?: WebSocketClientOptions;
}

/** What a channel handler receives: the channel's messages, gaps, the live marker and errors. */
export type ChannelEvent = ChannelMessage | GapMessage | SubscribedMessage | ErrorMessage;
export type ChannelHandler = (event: ChannelEvent) => void;

export interface ChannelSubscriptionHandle {
  readonly channel: string;
  /** The id resumption starts after: the last message, or the head when subscribed. */
  readonly lastId: string | undefined;
  unsubscribe(): void;
}

export const DEFAULT_STOP_CODES = (code: number): boolean => code === 1008 || (code >= 4000 && code <= 4999);

type Listener = ((event: Event) => void) | null;

interface ChannelState {
  readonly handlers: Set<ChannelHandler>;
  lastId: string | undefined;
  /** Set while a resubscription after a reconnect waits for its `subscribed`. */
  resumeFrom: string | undefined;
  gap: GapMessage | undefined;
}

interface Outgoing {
  readonly data: SendData;
  readonly bytes: number;
  /** For a publish: the ref its acknowledgement will carry. */
  readonly ref?: string;
}

interface PendingPublish {
  resolve(id: string): void;
  reject(error: PublishError): void;
}

export class ReconnectingWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly url: string;
  /** CONNECTING while connecting or waiting to reconnect; CLOSED once stopped. */
  readyState: 0 | 1 | 2 | 3 = 0;

  private readonly protocols: string[];
  private readonly backoff: Backoff;
  private readonly maxAttempts: number;
  private readonly shouldStop: (code: number, reason: string) => boolean;
  private readonly maxQueuedMessages: number;
  private readonly maxQueuedBytes: number;
  private readonly maxPendingPublishes: number;
  private readonly websocketOptions: WebSocketClientOptions;
  private readonly channels = new Map<string, ChannelState>();
  private readonly pending = new Map<string, PendingPublish>();
  private queue: Outgoing[] = [];
  private queuedBytes = 0;
  private socket: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private everOpened = false;
  private lastError = '';
  private stopped = false;
  private nextRef = 0;
  private handlers: Record<string, Listener> = {};

  constructor(url: string | URL, options: ReconnectingWebSocketOptions = {}) {
    super();
    this.url = String(url);
    const protocols = options.protocols ?? PUBSUB_PROTOCOL;
    this.protocols = typeof protocols === 'string' ? [protocols] : [...protocols];
    this.backoff = new Backoff(options.backoff, options.random);
    this.maxAttempts = count(options.maxAttempts ?? Infinity, 'maxAttempts', true);
    this.shouldStop = options.shouldStop ?? DEFAULT_STOP_CODES;
    this.maxQueuedMessages = count(options.maxQueuedMessages ?? 1000, 'maxQueuedMessages', false);
    this.maxQueuedBytes = count(options.maxQueuedBytes ?? 1024 * 1024, 'maxQueuedBytes', false);
    this.maxPendingPublishes = count(options.maxPendingPublishes ?? 1000, 'maxPendingPublishes', false);
    this.websocketOptions = options.websocket ?? {};
    this.connect();
  }

  get CONNECTING(): 0 {
    return 0;
  }
  get OPEN(): 1 {
    return 1;
  }
  get CLOSING(): 2 {
    return 2;
  }
  get CLOSED(): 3 {
    return 3;
  }

  /** The subprotocol of the current connection, or ''. */
  get protocol(): string {
    return this.socket?.protocol ?? '';
  }

  /** Bytes waiting: in the open socket's buffers plus the queue kept while disconnected. */
  get bufferedAmount(): number {
    return (this.socket?.bufferedAmount ?? 0) + this.queuedBytes;
  }

  /** Outgoing messages kept until the next connection opens. */
  get queuedMessages(): number {
    return this.queue.length;
  }

  // ---- Sending ----

  /**
   * Sends now when open; otherwise keeps the message for the next connection, up to the
   * queue bounds. What cannot be kept is reported with a 'drop' event, never lost silently.
   */
  send(data: SendData): SendResult {
    return this.deliver({ data, bytes: byteLength(data) });
  }

  /** Publishes on a channel (switchboard.v1); resolves with the message id the hub gave it. */
  publish(channel: string, data: string, options: { readonly event?: string } = {}): Promise<string> {
    const ref = String(++this.nextRef);
    const text = encodeClientMessage({ type: 'publish', channel, data, event: options.event, ref });
    return new Promise<string>((resolve, reject) => {
      const item = { data: text, bytes: Buffer.byteLength(text), ref };
      this.pending.set(ref, { resolve, reject });
      // A server that never answers must not make the waiting list grow without end.
      if (this.pending.size > this.maxPendingPublishes) this.drop(item, 'queue-full');
      else this.deliver(item);
    });
  }

  private deliver(item: Outgoing): SendResult {
    if (this.stopped) return this.drop(item, 'closed');
    const socket = this.socket;
    if (this.readyState === 1 && socket !== undefined) {
      const result = socket.send(item.data);
      return result === 'dropped' ? this.drop(item, 'buffer-full') : result;
    }
    if (this.queue.length >= this.maxQueuedMessages || this.queuedBytes + item.bytes > this.maxQueuedBytes) return this.drop(item, 'queue-full');
    this.queue.push(item);
    this.queuedBytes += item.bytes;
    return 'queued';
  }

  private drop(item: Outgoing, reason: DropReason): 'dropped' {
    if (item.ref !== undefined) this.settle(item.ref, new PublishError(reason, `publish dropped: ${reason}`));
    this.dispatchEvent(new DropEvent(item.data, reason));
    return 'dropped';
  }

  // ---- Pub/sub ----

  /**
   * Subscribes to a channel (switchboard.v1). After a reconnection the channel is
   * subscribed again from its last id, and a 'resume' event says whether anything was
   * lost. `since` resumes from an id saved earlier (e.g. in storage).
   */
  subscribe(channel: string, handler: ChannelHandler, options: { readonly since?: string } = {}): ChannelSubscriptionHandle {
    if (typeof handler !== 'function') throw new TypeError('subscribe needs a handler function');
    let state = this.channels.get(channel);
    if (state === undefined) {
      state = { handlers: new Set(), lastId: options.since, resumeFrom: undefined, gap: undefined };
      this.channels.set(channel, state);
      if (this.readyState === 1) this.sendControl(encodeClientMessage({ type: 'subscribe', channel, since: state.lastId }));
    }
    state.handlers.add(handler);
    const current = state;
    return {
      channel,
      get lastId() {
        return current.lastId;
      },
      unsubscribe: () => {
        if (!current.handlers.delete(handler) || current.handlers.size > 0 || this.channels.get(channel) !== current) return;
        this.channels.delete(channel);
        if (this.readyState === 1) this.sendControl(encodeClientMessage({ type: 'unsubscribe', channel }));
      },
    };
  }

  private sendControl(text: string): void {
    this.socket?.send(text);
  }

  private onServerText(text: string): void {
    const parsed = parseServerMessage(text);
    if (!parsed.ok) {
      this.dispatchEvent(new ReconnectingErrorEvent(new Error(`unreadable ${PUBSUB_PROTOCOL} message: ${parsed.reason}`)));
      return;
    }
    this.route(parsed.message);
  }

  private route(message: ServerMessage): void {
    switch (message.type) {
      case 'message': {
        const state = this.channels.get(message.channel);
        if (state === undefined) return;
        state.lastId = message.id;
        return this.notify(state, message);
      }
      case 'gap': {
        const state = this.channels.get(message.channel);
        if (state === undefined) return;
        state.gap = message;
        return this.notify(state, message);
      }
      case 'subscribed': {
        const state = this.channels.get(message.channel);
        if (state === undefined) return;
        // Everything up to the head has been delivered (replayed, or there was nothing).
        state.lastId = message.headId;
        const since = state.resumeFrom;
        const gap = state.gap;
        state.resumeFrom = undefined;
        state.gap = undefined;
        this.notify(state, message);
        if (since !== undefined) this.dispatchEvent(new ResumeEvent(message.channel, since, gap !== undefined, gap));
        return;
      }
      case 'published':
        return this.settle(message.ref, message.id);
      case 'unsubscribed':
        return;
      case 'error': {
        this.dispatchEvent(new ServerErrorEvent(message.code, message.message, message.channel, message.ref));
        if (message.ref !== undefined) return this.settle(message.ref, new PublishError(message.code, message.message));
        const state = message.channel === undefined ? undefined : this.channels.get(message.channel);
        if (state !== undefined) this.notify(state, message);
        return;
      }
    }
  }

  private notify(state: ChannelState, event: ChannelEvent): void {
    for (const handler of [...state.handlers]) {
      try {
        handler(event);
      } catch (error) {
        // A throwing handler must not stop the others, nor the socket's reading.
        this.dispatchEvent(new ReconnectingErrorEvent(error instanceof Error ? error : new Error(String(error))));
      }
    }
  }

  private settle(ref: string, outcome: string | PublishError): void {
    const pending = this.pending.get(ref);
    if (pending === undefined) return;
    this.pending.delete(ref);
    if (typeof outcome === 'string') pending.resolve(outcome);
    else pending.reject(outcome);
  }

  // ---- Connecting ----

  private connect(): void {
    this.timer = undefined;
    this.readyState = 0;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, this.protocols, this.websocketOptions);
    } catch (error) {
      // A bad URL or protocol list will not get better by retrying.
      this.stop();
      this.readyState = 3;
      throw error;
    }
    this.socket = socket;
    socket.on('open', () => this.onOpen(socket));
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(socket, data, isBinary));
    socket.on('error', (error: Error) => this.onError(socket, error));
    socket.on('close', (code: number, reason: string, wasClean: boolean) => this.onClose(socket, code, reason, wasClean));
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.readyState = 1;
    this.attempts = 0;
    this.backoff.connected(Date.now());
    const resuming = this.everOpened;
    this.everOpened = true;
    // Subscriptions first, then what was queued, in the order it was sent.
    for (const [channel, state] of this.channels) {
      state.gap = undefined;
      state.resumeFrom = resuming ? state.lastId : undefined;
      socket.send(encodeClientMessage({ type: 'subscribe', channel, since: state.lastId }));
    }
    const queue = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const item of queue) this.deliver(item);
    this.dispatchEvent(new Event('open'));
  }

  private onMessage(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    if (socket !== this.socket) return;
    const text = isBinary ? undefined : data.toString('utf8');
    this.dispatchEvent(new MessageEvent('message', { data: text ?? data }));
    if (text !== undefined && socket.protocol === PUBSUB_PROTOCOL) this.onServerText(text);
  }

  private onError(socket: WebSocket, error: Error): void {
    if (socket !== this.socket) return;
    this.lastError = error.message;
    this.dispatchEvent(new ReconnectingErrorEvent(error));
  }

  private onClose(socket: WebSocket, code: number, reason: string, wasClean: boolean): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    const why = reason || this.lastError;
    this.lastError = '';
    // Sent but unacknowledged: it may or may not have been published, so say so.
    for (const [ref, pending] of this.pending) {
      if (this.queue.some((item) => item.ref === ref)) continue;
      this.pending.delete(ref);
      pending.reject(new PublishError('connection-lost', 'the connection closed before the publish was acknowledged; it may have been published'));
    }
    if (this.stopped) return this.finish(code, reason, wasClean);
    if (this.shouldStop(code, reason) || this.attempts >= this.maxAttempts) {
      this.stop();
      return this.finish(code, reason, wasClean);
    }
    this.readyState = 0;
    const delayMs = this.backoff.next(Date.now());
    this.attempts++;
    this.dispatchEvent(new ReconnectingCloseEvent(code, reason, wasClean, true));
    if (this.stopped) return;
    this.dispatchEvent(new ReconnectEvent(this.attempts, delayMs, code, why));
    if (this.stopped) return;
    this.timer = setTimeout(() => this.connect(), delayMs);
  }

  // ---- Closing ----

  /** Closes for good: no more reconnection; queued messages are dropped (with 'drop' events). */
  close(code?: number, reason?: string): void {
    // The WHATWG rules, checked before anything changes.
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`The close code must be 1000 or in 3000–4999, got ${code}`, 'InvalidAccessError');
    }
    if (reason !== undefined && Buffer.byteLength(reason) > 123) {
      throw new DOMException('The close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
    }
    if (this.stopped) return;
    this.stop();
    const socket = this.socket;
    if (socket !== undefined) {
      this.readyState = 2;
      socket.close(code, reason);
      return;
    }
    process.nextTick(() => this.finish(code ?? 1005, reason ?? '', true));
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const queue = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const item of queue) this.drop(item, 'closed');
  }

  private finish(code: number, reason: string, wasClean: boolean): void {
    this.readyState = 3;
    this.dispatchEvent(new ReconnectingCloseEvent(code, reason, wasClean, false));
  }

  // ---- WHATWG-style handler properties ----

  get onopen(): Listener {
    return this.handlers.open ?? null;
  }
  set onopen(listener: Listener) {
    this.setHandler('open', listener);
  }
  get onmessage(): Listener {
    return this.handlers.message ?? null;
  }
  set onmessage(listener: Listener) {
    this.setHandler('message', listener);
  }
  get onclose(): Listener {
    return this.handlers.close ?? null;
  }
  set onclose(listener: Listener) {
    this.setHandler('close', listener);
  }
  get onerror(): Listener {
    return this.handlers.error ?? null;
  }
  set onerror(listener: Listener) {
    this.setHandler('error', listener);
  }

  private setHandler(type: string, listener: Listener): void {
    const previous = this.handlers[type];
    if (previous) this.removeEventListener(type, previous);
    if (typeof listener !== 'function') {
      delete this.handlers[type];
      return;
    }
    this.handlers[type] = listener;
    this.addEventListener(type, listener);
  }
}

function byteLength(data: SendData): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  return data.byteLength;
}

function count(value: number, name: string, allowInfinity: boolean): number {
  const ok = (allowInfinity && value === Infinity) || (Number.isSafeInteger(value) && value >= 0);
  if (!ok) throw new RangeError(`${name} must be a non-negative integer${allowInfinity ? ' or Infinity' : ''}, got ${String(value)}`);
  return value;
}
