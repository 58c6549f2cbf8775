// Chaos for no-loss tests: a server whose connections are cut at random moments.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Chaos {
  /** Connections cut so far. */
  readonly cuts: number;
  stop(): void;
}

/** Every `everyMs`, destroys one open connection of `server` (chosen by `random`). */
export function cutConnections(server: Server, everyMs: number, random: () => number): Chaos {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let cuts = 0;
  const timer = setInterval(() => {
    const open = [...sockets];
    if (open.length === 0) return;
    open[Math.floor(random() * open.length)].destroy();
    cuts++;
  }, everyMs);
  return {
    get cuts() {
      return cuts;
    },
    stop: () => clearInterval(timer),
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
