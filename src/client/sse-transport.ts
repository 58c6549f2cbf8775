// The SSE transport: one `fetch`ed event stream (`GET <base>/sse`) for everything the
// server sends, POSTs for the rest. Read with fetch rather than EventSource, which would
// reconnect by itself into a new, empty session (docs/sessions.md). A `retry:` field is
// the server's drain hint: the link waits that long before its next attempt.
import { EventStreamParser } from '../protocol/sse/parser.js';
import type { TransportHandle, TransportSink } from './link.js';
import type { FetchLike } from './platform.js';
import { failOnce, passRetryAfter, reasonOf, sessionPoster } from './session-post.js';

export function openSse(base: string, fetch: FetchLike, sink: TransportSink): TransportHandle {
  const abort = new AbortController();
  let post: ReturnType<typeof sessionPoster> | undefined;
  const fail = failOnce(abort, sink);
  const read = async (): Promise<void> => {
    const response = await fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' }, cache: 'no-store', signal: abort.signal });
    if (response.status !== 200 || response.body === null) {
      passRetryAfter(response, sink);
      throw new Error(`GET /sse answered ${response.status}`);
    }
    const reader = response.body.getReader();
    const parser = new EventStreamParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the event stream ended');
      for (const item of parser.push(value!)) {
        if (abort.signal.aborted) continue;
        // The mount sends `retry:` only when it drains, just before the stream ends: the wait before coming back.
        if (item.type === 'retry' && post !== undefined) sink.retry(item.retry);
        if (item.type !== 'event') continue;
        if (post !== undefined) sink.message(item.data);
        else if (item.event === 'session') {
          const { session } = JSON.parse(item.data) as { session?: unknown };
          if (typeof session !== 'string' || session === '') throw new Error('the session event names no session');
          post = sessionPoster(`${base}/session/${encodeURIComponent(session)}`, fetch, abort.signal, fail);
          sink.open();
        }
      }
    }
  };
  read().catch((error: unknown) => fail(reasonOf(error)));
  return {
    send: (messages) => post?.(messages),
    close: () => abort.abort(),
  };
}
