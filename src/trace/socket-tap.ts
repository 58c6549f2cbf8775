import type { Duplex } from 'node:stream';
import type { ConnectionTrace } from './connection-trace.js';
import type { Sender } from './trace-events.js';

/**
 * Taps a socket for a trace: what it reads, what is written to it, and its end.
 * Nothing in the connection's own code changes, so a connection that is not
 * traced pays nothing at all: the tap is a listener put first (before the
 * connection's, so a read is recorded before the writes it causes) and a
 * `write` of the socket's own that records, then calls the real one.
 */
export function tapSocket(socket: Duplex, trace: ConnectionTrace, local: Sender): void {
  const remote: Sender = local === 'server' ? 'client' : 'server';
  tapWrites(socket, trace, local);
  tapReads(socket, trace, remote);
}

/** Records every chunk written to the socket as sent by `from`. */
export function tapWrites(socket: Duplex, trace: ConnectionTrace, from: Sender): void {
  const write = socket.write;
  socket.write = function tracedWrite(this: Duplex, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (typeof chunk === 'string') trace.bytes(from, Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) trace.bytes(from, chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, encoding, callback);
  } as Duplex['write'];
  socket.once('close', () => trace.end());
}

/** Records every chunk the socket reads as sent by `from`. */
export function tapReads(socket: Duplex, trace: ConnectionTrace, from: Sender): void {
  // prependListener: unlike on('data'), it does not set a paused socket flowing.
  socket.prependListener('data', (chunk: Buffer) => trace.bytes(from, chunk));
  socket.once('close', () => trace.end());
}

/**
 * An HTTP head as text from what Node parsed: the start line and the raw
 * header lines, with their names' case and order. Whitespace around values is
 * Node's, not necessarily the sender's (such heads are marked `exact: false`).
 */
export function rebuildHead(startLine: string, rawHeaders: readonly string[]): string {
  let text = `${startLine}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) text += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${text}\r\n`;
}
