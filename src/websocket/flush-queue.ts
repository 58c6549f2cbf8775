import { flushOutgoing } from './adapter-operations.js';

interface Flushable {
  [flushOutgoing](): void;
}

/**
 * Connections with frames queued in this turn, flushed together by one
 * `process.nextTick` rather than one each: a broadcast to a thousand clients
 * made a thousand tick entries (a queue push and a callback object each on
 * Bun and Node) for what one loop does. Frames sent in one turn still leave a
 * connection in one write.
 */
let pending: Flushable[] = [];

/** Flushes `connection` once the current turn's code is done (the caller keeps it from coming twice). */
export function flushSoon(connection: Flushable): void {
  if (pending.length === 0) process.nextTick(flushPending);
  pending.push(connection);
}

function flushPending(): void {
  const list = pending;
  pending = [];
  let i = 0;
  try {
    for (; i < list.length; i++) list[i]![flushOutgoing]();
  } finally {
    // A flush that threw (a write callback's error) must not strand the others' frames.
    for (i++; i < list.length; i++) flushSoon(list[i]!);
  }
}
