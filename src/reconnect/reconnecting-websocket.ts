// A WebSocket client that comes back. It sits here, next to the backoff policy, rather
// than in src/websocket or a pub/sub folder: it is client-side policy built on top of
// the WebSocket client (transport) and the switchboard.v1 protocol core, and it needs no
// hub, so it stays below the hub layer and nothing below it imports it.
//
// This file is the client's face (the WHATWG-like API, send, publish, subscribe) and the
// wiring of its parts, a file each: the reconnect loop (reconnect-loop.ts), what is kept
// while disconnected (offline-queue.ts), publishes awaiting their acknowledgement
// (publish-tracker.ts), and the channels' positions and the routing of server messages,
// pure and shared with other clients (src/protocol/pubsub/client-channels.ts).
// backoff.ts stays pure and is shared with the long-poll client.
import { asError } from '../protocol/errors.js';
import { ClientChannels, type ChannelEvent, type ChannelHandler, type ClientChannelEffect } from '../protocol/pubsub/client-channels.js';
import { PUBSUB_PROTOCOL, encodeClientMessage, parseServerMessage } from '../protocol/pubsub/index.js';
import type { SendData, SendResult, WebSocket } from '../websocket/index.js';
import { HandlerProperties, type Listener } from './handler-properties.js';
import { OfflineQueue, byteLength, type Outgoing } from './offline-queue.js';
import { PublishTracker } from './publish-tracker.js';
import { DropEvent, PublishError, ReconnectingErrorEvent, ResumeEvent, ServerErrorEvent, type DropReason } from './reconnect-events.js';
import { ReconnectLoop } from './reconnect-loop.js';
import { resolveReconnectOptions, type ReconnectingWebSocketOptions } from './reconnect-options.js';

export interface ChannelSubscriptionHandle {
  readonly channel: string;
  /** The id resumption starts after: the last message, or the head when subscribed. */
  readonly lastId: string | undefined;
  unsubscribe(): void;
}

export class ReconnectingWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly url: string;

  private readonly loop: ReconnectLoop;
  private readonly channels = new ClientChannels();
  private readonly publishes: PublishTracker;
  private readonly queue: OfflineQueue;
  private readonly handlers = new HandlerProperties(this);

  constructor(url: string | URL, options: ReconnectingWebSocketOptions = {}) {
    super();
    this.url = String(url);
    const resolved = resolveReconnectOptions(options);
    this.publishes = new PublishTracker(resolved.maxPendingPublishes);
    this.queue = new OfflineQueue({ maxMessages: resolved.maxQueuedMessages, maxBytes: resolved.maxQueuedBytes }, (item, reason) => this.onDrop(item, reason));
    this.loop = new ReconnectLoop({ ...resolved, url: this.url }, this, {
      open: (socket) => this.onOpen(socket),
      message: (socket, data, isBinary) => this.onMessage(socket, data, isBinary),
      // Sent but unacknowledged: it may or may not have been published, so say so.
      lost: () => this.publishes.connectionLost((ref) => this.queue.holds(ref)),
      stopped: () => this.queue.dropAll('closed'),
    });
    this.loop.connect();
  }

  /** CONNECTING while connecting or waiting to reconnect; CLOSED once stopped. */
  get readyState(): 0 | 1 | 2 | 3 {
    return this.loop.readyState;
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
    return this.loop.current?.protocol ?? '';
  }

  /** Bytes waiting: in the open socket's buffers plus the queue kept while disconnected. */
  get bufferedAmount(): number {
    return (this.loop.current?.bufferedAmount ?? 0) + this.queue.bytes;
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
    const ref = this.publishes.nextRef();
    const text = encodeClientMessage({ type: 'publish', channel, data, event: options.event, ref });
    const item = { data: text, bytes: Buffer.byteLength(text), ref };
    return this.publishes.track(ref, (overLimit) => {
      if (overLimit) this.queue.drop(item, 'queue-full');
      else this.deliver(item);
    });
  }

  private deliver(item: Outgoing): SendResult {
    if (this.loop.stopped) return this.queue.drop(item, 'closed');
    const socket = this.loop.current;
    if (this.readyState === 1 && socket !== undefined) {
      const result = socket.send(item.data);
      return result === 'dropped' ? this.queue.drop(item, 'buffer-full') : result;
    }
    return this.queue.keep(item);
  }

  private onDrop(item: Outgoing, reason: DropReason): void {
    if (item.ref !== undefined) this.publishes.settle(item.ref, new PublishError(reason, `publish dropped: ${reason}`));
    this.dispatchEvent(new DropEvent(item.data, reason));
  }

  // ---- Pub/sub ----

  /**
   * Subscribes to a channel (switchboard.v1). After a reconnection the channel is
   * subscribed again from its last id, and a 'resume' event says whether anything was
   * lost. `since` resumes from an id saved earlier (e.g. in storage).
   */
  subscribe(channel: string, handler: ChannelHandler, options: { readonly since?: string } = {}): ChannelSubscriptionHandle {
    if (typeof handler !== 'function') throw new TypeError('subscribe needs a handler function');
    const { position, subscribe } = this.channels.add(channel, handler, options.since);
    if (subscribe !== undefined && this.readyState === 1) this.loop.current?.send(encodeClientMessage(subscribe));
    return {
      channel,
      get lastId() {
        return position.lastId;
      },
      unsubscribe: () => {
        const unsubscribe = this.channels.remove(position, handler);
        if (unsubscribe !== undefined && this.readyState === 1) this.loop.current?.send(encodeClientMessage(unsubscribe));
      },
    };
  }

  private onServerText(text: string): void {
    const parsed = parseServerMessage(text);
    if (!parsed.ok) {
      this.dispatchEvent(new ReconnectingErrorEvent(new Error(`unreadable ${PUBSUB_PROTOCOL} message: ${parsed.reason}`)));
      return;
    }
    if (parsed.message.type === 'restart') this.loop.comeBackAfter(parsed.message.retry);
    for (const effect of this.channels.receive(parsed.message)) this.apply(effect);
  }

  private apply(effect: ClientChannelEffect): void {
    switch (effect.type) {
      case 'deliver':
        return this.notify(this.channels.handlersOf(effect.channel), effect.event);
      case 'resume':
        this.dispatchEvent(new ResumeEvent(effect.channel, effect.since, effect.lossy, effect.gap));
        return;
      case 'server-error': {
        const { code, message, channel, ref } = effect.error;
        this.dispatchEvent(new ServerErrorEvent(code, message, channel, ref));
        return;
      }
      case 'published':
        return this.publishes.settle(effect.ref, effect.id);
      case 'publish-refused':
        return this.publishes.settle(effect.ref, new PublishError(effect.code, effect.message));
    }
  }

  private notify(handlers: readonly ChannelHandler[], event: ChannelEvent): void {
    for (const handler of handlers) {
      try {
        handler(event);
      } catch (error) {
        // A throwing handler must not stop the others, nor the socket's reading.
        this.dispatchEvent(new ReconnectingErrorEvent(asError(error)));
      }
    }
  }

  // ---- The connection ----

  private onOpen(socket: WebSocket): void {
    // Subscriptions first, then what was queued, in the order it was sent.
    for (const subscribe of this.channels.connected()) socket.send(encodeClientMessage(subscribe));
    for (const item of this.queue.take()) this.deliver(item);
    this.dispatchEvent(new Event('open'));
  }

  private onMessage(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    const text = isBinary ? undefined : data.toString('utf8');
    this.dispatchEvent(new MessageEvent('message', { data: text ?? data }));
    if (text !== undefined && socket.protocol === PUBSUB_PROTOCOL) this.onServerText(text);
  }

  /** Closes for good: no more reconnection; queued messages are dropped (with 'drop' events). */
  close(code?: number, reason?: string): void {
    // The WHATWG rules, checked before anything changes.
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`The close code must be 1000 or in 3000–4999, got ${code}`, 'InvalidAccessError');
    }
    if (reason !== undefined && Buffer.byteLength(reason) > 123) {
      throw new DOMException('The close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
    }
    this.loop.close(code, reason);
  }

  // ---- WHATWG-style handler properties ----

  get onopen(): Listener {
    return this.handlers.get('open');
  }
  set onopen(listener: Listener) {
    this.handlers.set('open', listener);
  }
  get onmessage(): Listener {
    return this.handlers.get('message');
  }
  set onmessage(listener: Listener) {
    this.handlers.set('message', listener);
  }
  get onclose(): Listener {
    return this.handlers.get('close');
  }
  set onclose(listener: Listener) {
    this.handlers.set('close', listener);
  }
  get onerror(): Listener {
    return this.handlers.get('error');
  }
  set onerror(listener: Listener) {
    this.handlers.set('error', listener);
  }
}
