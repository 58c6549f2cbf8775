// Hostile writers for tests: a socket that writes the same bytes as fast as its
// kernel takes them, and a socket that trickles bytes slowly. Both stop by
// themselves once the other end closes the connection.
import type { Socket } from 'node:net';

export interface Flood {
  /** Bytes handed to the socket so far. */
  readonly written: number;
  stop(): void;
}

/**
 * Writes `bytes` again and again, as fast as the socket takes them: a write
 * whenever the last one did not ask to wait, or on 'drain' when it did. Between
 * writes it yields to the event loop, so the server under test (in the same
 * process) gets its turns; the kernel's buffers stay full all the same.
 */
export function flood(socket: Socket, bytes: Buffer): Flood {
  let stopped = false;
  let written = 0;
  const next = (): void => {
    if (stopped || socket.destroyed || !socket.writable) return;
    written += bytes.length;
    if (socket.write(bytes)) setImmediate(next);
    else socket.once('drain', next);
  };
  socket.once('close', () => (stopped = true));
  next();
  return {
    get written() {
      return written;
    },
    stop: () => void (stopped = true),
  };
}

/** Writes `bytes` in pieces of `size` bytes, one every `everyMs`, until done, stopped, or the socket closes. */
export function trickle(socket: Socket, bytes: Buffer, size: number, everyMs: number): Flood {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable || at >= bytes.length) return clearInterval(timer);
    socket.write(bytes.subarray(at, at + size));
    at += size;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return {
    get written() {
      return Math.min(at, bytes.length);
    },
    stop: () => clearInterval(timer),
  };
}

/** `frame` repeated `times` times in one buffer: one write carries many frames. */
export function repeated(frame: Buffer, times: number): Buffer {
  return Buffer.concat(Array.from({ length: times }, () => frame));
}

/** External memory in use (Buffers and ArrayBuffers), where a server's send and receive buffers live. */
export function bufferMemory(): number {
  // `external` includes `arrayBuffers`, and with it every Buffer.
  return process.memoryUsage().external;
}
