import type { Socket } from 'node:net';

/** Below this many bytes, the frames of one flush are copied into one buffer. */
const COALESCE_LIMIT = 64 * 1024;

type WriteCallback = (error?: Error | null) => void;

/**
 * Frames waiting to be written. Everything sent during one read of the socket,
 * or one turn of the event loop, leaves in a single write: small frames are
 * copied into one buffer, large payloads go out as they are, gathered by the
 * kernel with `writev` (socket cork/uncork). One system call for many messages
 * is most of the difference between a fast server and a slow one.
 */
export class Outbox {
  private chunks: Uint8Array[] = [];
  private callbacks: WriteCallback[] | undefined;
  /** Bytes waiting here, not yet handed to the socket. */
  bytes = 0;

  get empty(): boolean {
    return this.chunks.length === 0;
  }

  push(chunks: Uint8Array[], callback?: WriteCallback): void {
    for (const chunk of chunks) {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    }
    if (callback) (this.callbacks ??= []).push(callback);
  }

  /**
   * Hands everything to the socket; returns false when the socket asks us to
   * wait for 'drain'. Once only: the connection drops a flushed outbox and
   * makes a new one for the next frames, so an idle connection holds none.
   */
  flush(socket: Socket): boolean {
    const chunks = this.chunks;
    if (chunks.length === 0) return true;
    const total = this.bytes;
    const callbacks = this.callbacks;
    const done = callbacks && ((error?: Error | null) => callbacks.forEach((callback) => callback(error)));
    if (chunks.length === 1) return socket.write(chunks[0], done);
    if (total <= COALESCE_LIMIT) {
      const joined = Buffer.allocUnsafe(total);
      let at = 0;
      for (const chunk of chunks) {
        joined.set(chunk, at);
        at += chunk.length;
      }
      return socket.write(joined, done);
    }
    socket.cork();
    let ok = true;
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) ok = socket.write(chunks[i]) && ok;
    ok = socket.write(chunks[last], done) && ok;
    socket.uncork();
    return ok;
  }

  /** Drops what was not written, telling each waiting sender. */
  discard(error: Error): void {
    const callbacks = this.callbacks;
    this.chunks = [];
    this.callbacks = undefined;
    this.bytes = 0;
    callbacks?.forEach((callback) => callback(error));
  }
}
