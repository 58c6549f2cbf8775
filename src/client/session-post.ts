// Client → server for SSE and long-polling sessions: `POST <base>/session/<id>` with a
// JSON array, one request at a time per session so that the server handles them in the
// order sent; what is sent meanwhile goes in the next one (docs/sessions.md).
import { encodeClientMessage } from '../protocol/pubsub/encode.js';
import type { ClientMessage } from '../protocol/pubsub/messages.js';
import { parseRetryAfter } from '../protocol/retry-after.js';
import type { TransportSink } from './link.js';
import type { FetchLike, ResponseLike } from './platform.js';

/**
 * Characters per POST beyond its first message, well under the server's default
 * `maxBodyBytes` (1 MiB + 4 KiB) even for text of 3-byte UTF-8 characters.
 */
const BATCH_CHARS = 256 * 1024;

export function sessionPoster(
  url: string,
  fetch: FetchLike,
  signal: AbortSignal,
  fail: (reason: string) => void,
): (messages: readonly ClientMessage[]) => void {
  let queue: string[] = [];
  let busy = false;
  const pump = async (): Promise<void> => {
    busy = true;
    while (queue.length > 0) {
      let size = queue[0].length;
      let count = 1;
      while (count < queue.length && size + queue[count].length <= BATCH_CHARS) size += queue[count++].length;
      const body = `[${queue.slice(0, count).join(',')}]`;
      queue = queue.slice(count);
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, cache: 'no-store', signal });
      if (response.status !== 204) throw new Error(response.status === 404 ? 'session ended (404)' : `POST answered ${response.status}`);
    }
    busy = false;
  };
  return (messages) => {
    for (const message of messages) queue.push(encodeClientMessage(message));
    if (!busy) pump().catch((error: unknown) => fail(reasonOf(error)));
  };
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The transport's `fail`: aborts its requests and tells the sink once; later calls do nothing. */
export function failOnce(abort: AbortController, sink: { fail(reason: string): void }): (reason: string) => void {
  return (reason) => {
    if (abort.signal.aborted) return;
    abort.abort();
    sink.fail(reason);
  };
}

/**
 * A refusal's `Retry-After` (a draining server's 503, RFC 9110 §10.2.3) goes to the link
 * as the wait before the next attempt; the caller then fails as for any refusal.
 */
export function passRetryAfter(response: ResponseLike, sink: Pick<TransportSink, 'retry'>): void {
  if (response.status !== 503 && response.status !== 429) return;
  const ms = parseRetryAfter(response.headers?.get('retry-after'), Date.now());
  if (ms !== undefined) sink.retry(ms);
}
