import type { Writable } from 'node:stream';
import type { Outgoing } from '../protocol/websocket/index.js';

/**
 * Whether corked writes reach the kernel as one `writev`. Bun's node:net joins
 * them into one buffer first (Buffer.concat in its _writev: a copy of every
 * large payload, measured at 12 % of a 1 MiB echo's profile), so there the
 * chunks go out one write each, uncopied.
 */
const GATHERS = process.versions.bun === undefined;

/** Below this many bytes, the frames of one batch are copied into one buffer. */
const COALESCE_LIMIT = 64 * 1024;

/**
 * Writes an endpoint's batch of frames to a socket in one go: small frames are
 * copied into one buffer, large payloads go out as they are, gathered by the
 * kernel with `writev` (cork/uncork). One system call for many messages is most
 * of the difference between a fast server and a slow one. Returns false when the
 * socket asks the writer to wait for 'drain'.
 */
export function writeOutgoing(socket: Writable, outgoing: Outgoing): boolean {
  const total = outgoing.bytes;
  if (total === 0) return true;
  const done = outgoing.callbacks && ((error?: Error | null) => outgoing.settle(error));
  const single = outgoing.single;
  if (single !== undefined) return socket.write(single, done);
  if (total <= COALESCE_LIMIT) {
    // Headers are written straight into the joined buffer (Outgoing.copyTo): no array each.
    const joined = Buffer.allocUnsafe(total);
    outgoing.copyTo(joined);
    return socket.write(joined, done);
  }
  const chunks = outgoing.chunks;
  if (GATHERS) socket.cork();
  let ok = true;
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) ok = socket.write(chunks[i]) && ok;
  ok = socket.write(chunks[last], done) && ok;
  if (GATHERS) socket.uncork();
  return ok;
}
