// The long-polling transport: `GET <base>/poll` opens a session, then one held
// `GET <base>/poll?session=<id>` at a time brings its messages; POSTs carry the client's
// (docs/sessions.md). Any failed or refused poll ends the session.
import type { TransportHandle, TransportSink } from './link.js';
import { DEFAULT_INTERVAL } from './link.js';
import type { FetchLike, Timers } from './platform.js';
import { failOnce, passRetryAfter, reasonOf, sessionPoster } from './session-post.js';

interface PollAnswer {
  readonly session?: unknown;
  readonly interval?: unknown;
  readonly messages?: unknown;
}

export function openPolling(base: string, fetch: FetchLike, timers: Timers, grace: number, sink: TransportSink): TransportHandle {
  const abort = new AbortController();
  let post: ReturnType<typeof sessionPoster> | undefined;
  const fail = failOnce(abort, sink);
  const poll = async (url: string, timeout: number): Promise<PollAnswer> => {
    // Each poll has its own deadline: a server holds a poll at most `interval`.
    const request = new AbortController();
    const cancel = (): void => request.abort();
    abort.signal.addEventListener('abort', cancel);
    const timer = timers.setTimeout(cancel, timeout);
    try {
      const response = await fetch(url, { cache: 'no-store', signal: request.signal });
      if (response.status !== 200) {
        // A draining server answers 503 with Retry-After: the wait before the next session.
        passRetryAfter(response, sink);
        throw new Error(response.status === 404 ? 'session ended (404)' : `poll answered ${response.status}`);
      }
      const answer = (await response.json()) as PollAnswer | null;
      if (typeof answer !== 'object' || answer === null || !Array.isArray(answer.messages)) throw new Error('poll answer without messages');
      return answer;
    } finally {
      timers.clearTimeout(timer);
      abort.signal.removeEventListener('abort', cancel);
    }
  };
  const deliver = (messages: unknown): void => {
    // Each message goes through the same parser as on the other transports.
    for (const message of messages as unknown[]) if (!abort.signal.aborted) sink.message(JSON.stringify(message));
  };
  const run = async (): Promise<void> => {
    const first = await poll(`${base}/poll`, DEFAULT_INTERVAL + grace);
    const { session } = first;
    if (typeof session !== 'string' || session === '') throw new Error('the first poll names no session');
    const interval = typeof first.interval === 'number' && first.interval > 0 ? first.interval : DEFAULT_INTERVAL;
    const id = encodeURIComponent(session);
    post = sessionPoster(`${base}/session/${id}`, fetch, abort.signal, fail);
    sink.open();
    deliver(first.messages);
    while (!abort.signal.aborted) deliver((await poll(`${base}/poll?session=${id}`, interval + grace)).messages);
  };
  run().catch((error: unknown) => fail(reasonOf(error)));
  return {
    send: (messages) => post?.(messages),
    close: () => abort.abort(),
  };
}
