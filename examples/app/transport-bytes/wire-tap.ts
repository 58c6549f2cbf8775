// Bytes on the TCP connections a client opens to one port, from Node's own counters
// (`socket.bytesRead` / `bytesWritten`): TCP payload, so HTTP heads, WebSocket frames,
// chunk sizes, HTTP/2 frames and HPACK are in, TCP/IP headers and ACKs are not. The
// sockets are found through `node:diagnostics_channel` ('net.client.socket', published by
// `net.connect`), so any client (this package's WebSocket, node:http's agents,
// node:http2) is measured without changing it.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WireCount {
  readonly serverToClient: number;
  readonly clientToServer: number;
}

const CHANNEL = 'net.client.socket';
/** Pause between two readings while waiting for the counters to stop moving. */
const SETTLE_STEP_MS = 2;
const SETTLE_MAX_STEPS = 25;

export class ClientWireTap {
  private readonly sockets = new Set<Socket>();
  private readonly onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    // The peer is known once connected; sockets of other code in the process are not ours.
    socket.once('connect', () => {
      if (socket.remotePort === this.port && socket.remoteAddress === this.host) this.sockets.add(socket);
    });
  };

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    subscribe(CHANNEL, this.onSocket);
  }

  /** TCP connections the client opened to the server so far. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Totals over every connection, closed ones included (their counters stay). */
  count(): WireCount {
    let serverToClient = 0;
    let clientToServer = 0;
    for (const socket of this.sockets) {
      serverToClient += socket.bytesRead;
      // What still waits in the socket's buffer is not on the wire yet.
      clientToServer += socket.bytesWritten - socket.writableLength;
    }
    return { serverToClient, clientToServer };
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

  close(): void {
    unsubscribe(CHANNEL, this.onSocket);
  }
}

export function difference(after: WireCount, before: WireCount): WireCount {
  return { serverToClient: after.serverToClient - before.serverToClient, clientToServer: after.clientToServer - before.clientToServer };
}
