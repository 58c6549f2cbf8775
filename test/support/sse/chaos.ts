// Chaos for no-loss tests: cuts a server's connections at moments chosen by the test.
// Cuts are tied to the test's progress (not to a wall-clock interval), so a slow machine
// cannot turn them into a livelock where no connection lives long enough to deliver.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Chaos {
  /** Connections cut so far. */
  readonly cuts: number;
  /** Destroys one open connection, chosen by the random source; false if none was open. */
  cutOne(): boolean;
}

export function connectionCutter(server: Server, random: () => number): Chaos {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let cuts = 0;
  return {
    get cuts() {
      return cuts;
    },
    cutOne: () => {
      const open = [...sockets];
      if (open.length === 0) return false;
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
