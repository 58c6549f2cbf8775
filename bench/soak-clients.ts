// The load of `npm run bench:soak`: many switchboard.v1 WebSocket clients that churn.
// Each slot connects (from one of several loopback source addresses, so no one address
// runs out of ephemeral ports), subscribes to one of a few channels, receives, publishes
// now and then, disconnects after a random lifetime, and reconnects. A subscription
// that ends (Redis went away) or fails is counted and asked for again after a pause,
// from the last id received: the soak counts what an outage does rather than failing.
import { PUBSUB_PROTOCOL, encodeClientMessage, parseServerMessage } from '../src/protocol/pubsub/index.js';
import { WebSocket } from '../src/websocket/index.js';

export interface SoakLoadOptions {
  url: string;
  connections: number;
  /** Source addresses, used in turn. */
  addresses: readonly string[];
  channels: readonly string[];
  /** Mean connection lifetime (uniform from half to one and a half times it), ms. */
  lifetimeMs: number;
  /** Publishes per second, from all clients together. */
  publishRate: number;
  /** The first connections are spread over this long, ms. */
  rampMs: number;
}

/** Counts by kind: connections, closes by code, server messages by type and error code. */
export type SoakCounts = Record<string, number>;

interface Live {
  socket: WebSocket;
  channel: string;
  subscribed: boolean;
}

export class SoakLoad {
  readonly counts: SoakCounts = {};
  private readonly live = new Set<Live>();
  private stopped = false;
  private publisher: NodeJS.Timeout | undefined;
  private published = 0;
  private readonly slots: Promise<void>[] = [];

  constructor(private readonly options: SoakLoadOptions) {}

  get open(): number {
    return this.live.size;
  }

  start(): void {
    for (let i = 0; i < this.options.connections; i++) this.slots.push(this.slot(i));
    if (this.options.publishRate > 0) this.publisher = setInterval(() => this.publishOne(), 1000 / this.options.publishRate);
  }

  /** Stops reconnecting, closes every connection, and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.publisher);
    for (const { socket } of this.live) socket.close(1000, 'soak over');
    await Promise.all(this.slots);
  }

  private count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  private async slot(index: number): Promise<void> {
    await delay(Math.random() * this.options.rampMs);
    while (!this.stopped) {
      await this.session(index);
      // A short, random pause before coming back, as real clients would.
      if (!this.stopped) await delay(100 + Math.random() * 900);
    }
  }

  private session(index: number): Promise<void> {
    const { addresses, channels, url, lifetimeMs } = this.options;
    const channel = channels[index % channels.length];
    return new Promise((resolve) => {
      const socket = new WebSocket(url, PUBSUB_PROTOCOL, { localAddress: addresses[index % addresses.length], handshakeTimeout: 30_000 });
      const live: Live = { socket, channel, subscribed: false };
      let lastId: string | undefined;
      let lifetime: NodeJS.Timeout | undefined;
      let retry: NodeJS.Timeout | undefined;
      const subscribe = (): void => {
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(encodeClientMessage({ type: 'subscribe', channel, ...(lastId === undefined ? {} : { since: lastId }) }));
      };
      socket.on('open', () => {
        this.count('connected');
        this.live.add(live);
        subscribe();
        lifetime = setTimeout(() => socket.close(1000, 'lifetime over'), lifetimeMs * (0.5 + Math.random()));
      });
      socket.on('message', (data: Buffer) => {
        const parsed = parseServerMessage(data.toString('utf8'));
        if (!parsed.ok) {
          this.count('server-message-unparsable');
          return;
        }
        const message = parsed.message;
        switch (message.type) {
          case 'message':
            lastId = message.id;
            this.count('message');
            return;
          case 'subscribed':
            live.subscribed = true;
            this.count('subscribed');
            return;
          case 'gap':
            this.count(`gap:${message.reason}`);
            return;
          case 'error':
            this.count(`error:${message.code}`);
            if (message.code === 'subscription-ended' || message.code === 'subscribe-failed') {
              live.subscribed = false;
              clearTimeout(retry);
              retry = setTimeout(subscribe, 1000 + Math.random() * 2000);
            }
            return;
          default:
            this.count(message.type);
        }
      });
      socket.on('error', () => this.count('socket-error'));
      socket.on('close', (code: number) => {
        clearTimeout(lifetime);
        clearTimeout(retry);
        this.live.delete(live);
        this.count(`close:${code}`);
        resolve();
      });
    });
  }

  private publishOne(): void {
    if (this.live.size === 0) return;
    // A random live, subscribed client publishes to its own channel.
    let skip = Math.floor(Math.random() * this.live.size);
    for (const live of this.live) {
      if (skip-- > 0 || !live.subscribed) continue;
      const ref = String(++this.published);
      live.socket.send(encodeClientMessage({ type: 'publish', channel: live.channel, data: `soak ${ref} ${Date.now()}`, ref }));
      this.count('publish-sent');
      return;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
