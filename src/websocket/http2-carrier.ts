import type { Http2Stream } from 'node:http2';
import type { Carrier } from './carrier.js';

const kHttp2 = Symbol('switchboard.http2Stream');
/**
 * The CANCEL error code (RFC 9113 §7), as a number rather than `node:http2`'s
 * `constants`: importing that module only for it made every WebSocket server
 * load HTTP/2 (on Bun, a large JavaScript module that stays on the heap).
 */
const CANCEL = 0x8;
type PreparedStream = Http2Stream & { [kHttp2]: true; bytesWritten: number };

/**
 * Makes an HTTP/2 stream fit to carry a WebSocket (RFC 8441), so that the socket
 * adapter drives it as it drives a socket:
 * - `bytesWritten` counts what was written to it, as `net.Socket` does, for the
 *   heartbeat's write-stall check (progress is what the peer's flow-control
 *   window let out, RFC 9113 §5.2);
 * - `destroy()` resets only this stream with CANCEL (RFC 8441 §5: an abrupt close
 *   is a stream error, never the whole session's); Node's own reset would say NO_ERROR.
 */
export function prepareStream(stream: Http2Stream): Carrier {
  const prepared = stream as PreparedStream;
  prepared[kHttp2] = true;
  prepared.bytesWritten = 0;
  const write = stream.write;
  prepared.write = function (this: PreparedStream, chunk: Uint8Array, ...rest: unknown[]): boolean {
    this.bytesWritten += chunk.length;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Http2Stream['write'];
  const destroy = stream.destroy;
  prepared.destroy = function (this: PreparedStream, error?: Error) {
    if (!this.closed && !this.destroyed) this.close(CANCEL);
    destroy.call(this, error);
    return this;
  };
  return prepared;
}

/** Whether a connection's carrier is an HTTP/2 stream made ready by `prepareStream`. */
export function isHttp2Carrier(carrier: Carrier | undefined): boolean {
  return carrier !== undefined && (carrier as Partial<PreparedStream>)[kHttp2] === true;
}
