// The face of the client: channels (ClientChannels), publishes (Publishes) and the
// connection's decisions (Link), wired together and shown as an EventTarget.
import { ClientChannels, type ChannelEvent, type ChannelHandler, type ChannelPosition } from '../protocol/pubsub/client-channels.js';
import type { ServerMessage } from '../protocol/pubsub/messages.js';
import { SwitchboardEvent, type ClientEventMap, type ClientEventName } from './events.js';
import { Link, type OpenTransport } from './link.js';
import { resolveOptions, type ClientOptions, type ClientState, type TransportName } from './options.js';
import { PublishError, Publishes } from './publishes.js';
import { openPolling } from './poll-transport.js';
import { openSse } from './sse-transport.js';
import { openWebSocket } from './websocket-transport.js';

/** What `subscribe` returns. */
export interface Subscription {
  /** Removes this handler; the channel is left when it was its last one. */
  unsubscribe(): void;
}

type Platform = typeof globalThis & {
  location?: { href: string };
  navigator?: { onLine?: boolean };
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
};

type Listener<K extends ClientEventName> = ((event: SwitchboardEvent<K>) => void) | { handleEvent(event: SwitchboardEvent<K>): void } | null;

/** Typed listeners for the client's events. */
export interface SwitchboardClient {
  addEventListener<K extends ClientEventName>(type: K, listener: Listener<K>, options?: Parameters<EventTarget['addEventListener']>[2]): void;
  addEventListener(...args: Parameters<EventTarget['addEventListener']>): void;
  removeEventListener<K extends ClientEventName>(type: K, listener: Listener<K>, options?: Parameters<EventTarget['removeEventListener']>[2]): void;
  removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void;
}

/** A Switchboard connection: every channel of the page over one session, on the best transport that works. */
export class SwitchboardClient extends EventTarget {
  private readonly channels = new ClientChannels();
  private readonly positions = new Map<string, ChannelPosition>();
  private readonly publishes: Publishes;
  private readonly link: Link;
  private readonly onOnline = (): void => this.link.online();

  /** Use `connect()`. `open` replaces the real transports (tests). */
  constructor(url: string | URL, options: ClientOptions = {}, open?: OpenTransport) {
    super();
    const o = resolveOptions(options);
    const platform = globalThis as Platform;
    const base = new URL(String(url), platform.location?.href).href.replace(/[?#].*$/, '').replace(/\/+$/, '');
    const wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
    this.publishes = new Publishes(o.maxQueued, o.maxQueuedBytes);
    this.link = new Link(
      {
        ...o,
        offline: () => platform.navigator?.onLine === false,
        open:
          open ??
          ((name, sink) =>
            name === 'websocket'
              ? openWebSocket(wsUrl, o.WebSocket, sink)
              : name === 'sse'
                ? openSse(base, o.fetch, sink)
                : openPolling(base, o.fetch, o.timers, o.heartbeatGrace, sink)),
      },
      {
        busy: () => this.publishes.inFlight > 0,
        release: () => this.flush(),
        opened: () => this.link.send([...this.channels.connected(), ...this.publishes.take()]),
        lost: () => this.publishes.lost(),
        message: (message) => this.receive(message),
        emit: (type, detail) => this.emit(type, detail),
      },
    );
    platform.addEventListener?.('online', this.onOnline);
    this.link.start();
  }

  /** `connecting` until a session first opens, `reconnecting` while one is lost, `closed` after `close()`. */
  get state(): ClientState {
    return this.link.state;
  }

  /** The transport of the open session; undefined while none is open. */
  get transport(): TransportName | undefined {
    return this.link.transport;
  }

  /**
   * Calls `handler` with the channel's messages, gaps, its `subscribed` marker and its
   * errors. `since` resumes after an id kept from earlier (ignored when the channel is
   * already subscribed). After a reconnection the channel resumes from the last id
   * delivered: each message once and in order, or a `gap` first.
   */
  subscribe(channel: string, handler: (event: ChannelEvent) => void, options: { readonly since?: string } = {}): Subscription {
    const { position, subscribe } = this.channels.add(channel, handler, options.since);
    this.positions.set(channel, position);
    if (subscribe !== undefined) this.link.send([subscribe]);
    return { unsubscribe: () => this.remove(position, handler) };
  }

  /** Removes `handler` from `channel`; the channel is left when it was its last one. */
  unsubscribe(channel: string, handler: (event: ChannelEvent) => void): void {
    const position = this.positions.get(channel);
    if (position !== undefined) this.remove(position, handler);
  }

  /**
   * Publishes `data` on `channel`; resolves with the hub's id. Queued while no session is
   * open. Rejects with a `PublishError`: the server's code when refused, `queue-full`
   * past `maxQueued`, `connection-lost` when the session ended after it was sent and
   * before its answer (it may or may not have been published; it is not sent again),
   * `closed` when `close()` came first.
   */
  publish(channel: string, data: string, options: { readonly event?: string } = {}): Promise<string> {
    if (this.link.state === 'closed') return Promise.reject(new PublishError('closed', 'the client is closed'));
    const done = this.publishes.add(channel, data, options.event);
    this.flush();
    return done;
  }

  /** Ends the session and stops for good; waiting publishes are rejected. */
  close(): void {
    (globalThis as Platform).removeEventListener?.('online', this.onOnline);
    this.link.close();
    this.publishes.closed();
  }

  private flush(): void {
    if (this.link.state === 'open' && !this.link.switching) this.link.send(this.publishes.take());
  }

  private remove(position: ChannelPosition, handler: ChannelHandler): void {
    const unsubscribe = this.channels.remove(position, handler);
    if (unsubscribe === undefined) return;
    this.positions.delete(position.channel);
    this.link.send([unsubscribe]);
  }

  private receive(message: ServerMessage): void {
    for (const effect of this.channels.receive(message)) {
      switch (effect.type) {
        case 'deliver':
          if (effect.event.type === 'gap') this.emit('gap', effect.event);
          for (const handler of this.channels.handlersOf(effect.channel)) {
            try {
              handler(effect.event);
            } catch (cause) {
              this.emit('error', { code: 'handler-threw', message: `a handler of ${effect.channel} threw`, channel: effect.channel, cause });
            }
          }
          break;
        case 'resume':
          this.emit('resume', { channel: effect.channel, since: effect.since, lossy: effect.lossy });
          break;
        case 'server-error':
          if (effect.error.ref === undefined) this.emit('error', { code: effect.error.code, message: effect.error.message, channel: effect.error.channel });
          break;
        case 'published':
        case 'publish-refused':
          this.publishes.settle(effect.ref, effect.type === 'published' ? effect.id : new PublishError(effect.code, effect.message));
          if (this.link.switching && this.publishes.inFlight === 0) this.link.idle();
          break;
      }
    }
  }

  private emit<K extends ClientEventName>(type: K, detail: ClientEventMap[K]): void {
    this.dispatchEvent(new SwitchboardEvent(type, detail));
  }
}

/**
 * Opens a Switchboard client on the mount base `url` (`'/switchboard'`, resolved against
 * the page, or `'https://example.com/switchboard'`). It connects at once and stays
 * connected until `close()`.
 */
export function connect(url: string | URL, options?: ClientOptions): SwitchboardClient {
  return new SwitchboardClient(url, options);
}
