// A browser-like switchboard.v1 client for tests: the `ws` package speaking plain JSON,
// as a page would with `new WebSocket(url, 'switchboard.v1')`.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WsClient from 'ws';
import { createPubSubServer, type CreatePubSubServerOptions, type PubSubServer } from '../../../src/pubsub/index.js';
import type { WebSocketServerOptions } from '../../../src/websocket/index.js';
import { waitFor } from '../sse/net.js';

export type Json = Record<string, unknown>;

export class JsonClient {
  readonly received: Json[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WsClient) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.received.push(JSON.parse(data.toString('utf8')) as Json);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on('error', () => {
      // Reported through 'close'.
    });
  }

  static async connect(url: string, protocol: string | string[] = 'switchboard.v1'): Promise<JsonClient> {
    const ws = new WsClient(url, protocol);
    const client = new JsonClient(ws);
    await once(ws, 'open');
    return client;
  }

  send(message: Json): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Replies of one type (and channel, if given). */
  ofType(type: string, channel?: string): Json[] {
    return this.received.filter((m) => m.type === type && (channel === undefined || m.channel === channel));
  }

  /** Waits until a received message matches, and returns it. */
  async next(match: (message: Json) => boolean, what: string, timeoutMs = 5000): Promise<Json> {
    await waitFor(() => this.received.some(match), what, timeoutMs);
    return this.received.find(match)!;
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== undefined, 'close', timeoutMs);
    return this.closed!;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WsClient.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.terminate();
    await closed;
  }
}

/** A pub/sub server of its own on 127.0.0.1, and its ws:// URL. */
export async function startPubSub(
  options: Omit<CreatePubSubServerOptions, 'server'> & { server?: Partial<WebSocketServerOptions> },
): Promise<{ pubsub: PubSubServer; url: string; port: number }> {
  const pubsub = createPubSubServer({ ...options, server: { port: options.server?.port ?? 0, host: '127.0.0.1', ...options.server } });
  await once(pubsub.wss, 'listening');
  const port = (pubsub.wss.address() as AddressInfo).port;
  return { pubsub, url: `ws://127.0.0.1:${port}`, port };
}
