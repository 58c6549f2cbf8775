// Bytes on the TCP connections a client opens to one server, counted by a relay between
// them: the client connects to the relay's loopback port, the relay opens one connection
// to the server for each and passes the bytes through unchanged, counting what it reads
// from each side. That is TCP payload, so HTTP heads, WebSocket frames, chunk sizes,
// HTTP/2 frames and HPACK are in, TCP/IP headers and ACKs are not.
//
// It needs nothing from the client or the runtime: reading the client's own sockets
// (`bytesRead` / `bytesWritten`, found through `node:diagnostics_channel`'s
// 'net.client.socket') counted 0 on Bun 1.4, which publishes nothing on that channel.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WireCount {
  readonly serverToClient: number;
  readonly clientToServer: number;
}

/** Pause between two readings while waiting for the counters to stop moving. */
const SETTLE_STEP_MS = 2;
const SETTLE_MAX_STEPS = 25;

export class WireTap {
  private serverToClient = 0;
  private clientToServer = 0;
  private accepted = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly relay: Server,
    /** Where the client connects instead of the server. */
    readonly port: number,
  ) {}

  /** A relay on `host`, an ephemeral port, to `host:targetPort`. */
  static async listen(host: string, targetPort: number): Promise<WireTap> {
    // Half-open on both sides: an end from either is passed on, as it was sent.
    const relay = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(0, host, () => {
        relay.off('error', reject);
        resolve();
      });
    });
    const tap = new WireTap(relay, (relay.address() as { port: number }).port);
    relay.on('connection', (client: Socket) => tap.pass(client, host, targetPort));
    return tap;
  }

  /** TCP connections the client opened to the server so far. */
  get connections(): number {
    return this.accepted;
  }

  /** Totals over every connection, closed ones included. */
  count(): WireCount {
    return { serverToClient: this.serverToClient, clientToServer: this.clientToServer };
  }

  /**
   * The totals once nothing more moves for a step: an HTTP/2 client sends its
   * WINDOW_UPDATE after reading, and that belongs to the message it acknowledges.
   */
  async settled(): Promise<WireCount> {
    let last = this.count();
    for (let step = 0; step < SETTLE_MAX_STEPS; step++) {
      await sleep(SETTLE_STEP_MS);
      const now = this.count();
      if (now.serverToClient === last.serverToClient && now.clientToServer === last.clientToServer) return now;
      last = now;
    }
    return last;
  }

  /** Ends every relayed connection and the relay. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.relay.close(() => resolve()));
  }

  private pass(client: Socket, host: string, targetPort: number): void {
    this.accepted++;
    const server = connect({ host, port: targetPort, allowHalfOpen: true });
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => this.sockets.delete(socket));
    }
    // Counted as read, before passing on: once the client has a message, its bytes are in.
    client.on('data', (chunk: Buffer) => (this.clientToServer += chunk.length));
    server.on('data', (chunk: Buffer) => (this.serverToClient += chunk.length));
    // pipe() waits for a full side to drain (bounded) and passes each end on.
    client.pipe(server);
    server.pipe(client);
    // A reset on one side resets the other; a side gone without an end still ends the other.
    const reset = (): void => {
      client.destroy();
      server.destroy();
    };
    client.on('error', reset).once('close', () => server.destroyed || server.end());
    server.on('error', reset).once('close', () => client.destroyed || client.end());
  }
}

export function difference(after: WireCount, before: WireCount): WireCount {
  return { serverToClient: after.serverToClient - before.serverToClient, clientToServer: after.clientToServer - before.clientToServer };
}
