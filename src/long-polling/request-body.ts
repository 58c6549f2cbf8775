import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

export interface RequestBodyLimits {
  /** Largest body, in bytes; larger is answered 413. */
  readonly maxBytes: number;
  /** Longest time from the handler's start to the body's last byte (ms); longer is answered 408. */
  readonly timeoutMs: number;
}

export type RequestBody =
  | { readonly ok: true; readonly body: Buffer }
  /**
   * Why the body was not read: too large (413), too slow (408), or already read by
   * something that ran before this handler (500: a body parser mounted in front of it).
   */
  | { readonly ok: false; readonly status: 413 | 408 | 500; readonly error: string };

/**
 * Reads a request body within a size and a time limit. A body that trickles in
 * a byte at a time must not hold a request (and its socket) forever, nor may a
 * large one be buffered whole: both end at the limit, and the caller answers
 * with the status given and `connection: close`, so the rest is never read.
 */
export function readRequestBody(request: IncomingMessage | Http2ServerRequest, limits: RequestBodyLimits): Promise<RequestBody> {
  if (request.readableEnded) {
    // Waiting would end only at the timeout, with a misleading 408.
    return Promise.resolve({ ok: false, status: 500, error: 'the request body was already read before this handler (put it before any body parser)' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: RequestBody): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      if (!result.ok) request.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBytes) finish({ ok: false, status: 413, error: `body exceeds ${limits.maxBytes} bytes` });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, body: Buffer.concat(chunks) });
    const timer = setTimeout(() => finish({ ok: false, status: 408, error: `body took longer than ${limits.timeoutMs} ms` }), limits.timeoutMs);
    timer.unref();
    request.on('data', onData);
    request.on('end', onEnd);
  });
}
