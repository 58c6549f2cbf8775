import type { Duplex } from 'node:stream';

/**
 * What a WebSocket connection runs over: a TCP (or TLS) socket after an HTTP/1.1
 * upgrade, or one HTTP/2 stream after an extended CONNECT (RFC 8441). Both are
 * Duplex streams carrying the same frames; the calls only a socket has are optional.
 */
export type Carrier = Duplex & {
  setNoDelay?(noDelay?: boolean): unknown;
  setTimeout?(timeout: number): unknown;
  /** Bytes handed to the carrier so far, those still in its buffer included (as `net.Socket` counts). */
  readonly bytesWritten?: number;
};

/** Which carrier a connection runs over, as `connection.carrier` says. */
export type CarrierKind = 'socket' | 'http2-stream';
