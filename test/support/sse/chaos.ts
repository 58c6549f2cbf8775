// Chaos for no-loss tests: cuts a server's connections at moments chosen by the test.
// Cuts are tied to the test's progress (not to a wall-clock interval), so a slow machine
// cannot turn them into a livelock where no connection lives long enough to deliver.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface Chaos {
  /** Connections cut so far. */
  readonly cuts: number;
  /** Of those, the ones cut while serving a request (a poll held, a stream open). */
  readonly cutsUnderWay: number;
  /** Destroys one open connection, one serving a request if any, chosen by the random source; false if none was open. */
  cutOne(): boolean;
}

export function connectionCutter(server: Server, random: () => number): Chaos {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Connections with a request under way: a cut of one is what a client must survive. An idle
  // keep-alive connection's cut may go unnoticed (on a fast machine, most of them are idle
  // between long polls, and on Deno a client saw no error at all in some runs).
  const busy = new Set<Socket>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    busy.add(socket);
    response.on('close', () => busy.delete(socket));
  });
  let cuts = 0;
  let cutsUnderWay = 0;
  return {
    get cuts() {
      return cuts;
    },
    get cutsUnderWay() {
      return cutsUnderWay;
    },
    cutOne: () => {
      const open = busy.size > 0 ? [...busy] : [...sockets];
      if (open.length === 0) return false;
      if (busy.size > 0) cutsUnderWay++;
      open[Math.floor(random() * open.length)].destroy();
      cuts++;
      return true;
    },
  };
}

/** Deterministic random numbers (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Publishes 1..total on `channel`, cutting one connection after every tenth message
 * (cuts tied to publishing progress, not wall-clock time), with a short pause so the
 * cut lands while clients are mid-stream.
 */
export async function publishWithCuts(
  hub: { publish(channel: string, message: { data: string }): Promise<string> },
  channel: string,
  total: number,
  chaos: Chaos,
): Promise<void> {
  for (let n = 1; n <= total; n++) {
    await hub.publish(channel, { data: String(n) });
    if (n % 10 === 0) {
      chaos.cutOne();
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  }
}
