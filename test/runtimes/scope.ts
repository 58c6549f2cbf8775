// What `npm run test:bun` and `npm run test:deno` run (vitest.runtimes.config.ts), and
// every test they leave out, each with its reason. Nothing here is skipped silently:
// the config prints this list before the run, vitest counts the tests as skipped, and
// docs/runtimes.md explains each one.

export type OtherRuntime = 'bun' | 'deno';

/** Files that are Node tooling, not the library: they run under Node only. */
export const NODE_TOOLING: { files: string; reason: string }[] = [
  { files: 'test/packaging/**', reason: 'drives npm, tsc, esbuild, Bun and Deno from Node' },
  { files: 'test/cli/other-runtimes.test.ts', reason: 'starts the CLI under Bun and Deno from Node' },
  { files: 'test/architecture/**', reason: 'reads the sources with the TypeScript compiler' },
];

/**
 * Deno runs the transports and the protocol core, not the app layers built on them:
 * under vitest the test files took several times as long on Deno as on Node here, and
 * mount/, app/, client/, trace/, scaling/ and cli/ add minutes while reaching Deno's
 * node: layer only through the same transports. (The CLI under Deno is tested from
 * Node: test/cli/other-runtimes.test.ts.)
 */
export const DENO_DIRECTORIES = ['protocol', 'websocket', 'sse', 'long-polling', 'pubsub', 'hub', 'reconnect'];

export interface KnownDifference {
  runtime: OtherRuntime;
  file: string;
  /** The test's title, exactly. */
  test: string;
  reason: string;
}

/** Tests that fail on a runtime for a reason of the runtime's (or not yet diagnosed, and said so). */
export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    runtime: 'bun',
    file: 'test/trace/http-trace.test.ts',
    test: 'an SSE stream: the request head, the exact response head, then each event as written',
    reason: "the exact HTTP/1.1 response head is Node's ServerResponse._header, which Bun lacks: the trace rebuilds the head from the status and headers and marks it not exact",
  },
  {
    runtime: 'deno',
    file: 'test/websocket/deflate-connection.test.ts',
    test: "close() while a message is being inflated: the peer's close frame behind it is still read (clean close, no timeout)",
    reason: "ends the worker with 'Fatal JavaScript out of memory' while a 128 MiB message (maxPayload 256 MiB, the test's) is deflated and inflated; not yet diagnosed which side holds it on Deno's heap",
  },
  {
    runtime: 'deno',
    file: 'test/websocket/hostile-peers.test.ts',
    test: 'fails each flooder with 1008 past maxUnsentPongs and destroys it within FAIL_GRACE; memory stays bounded',
    reason: 'the flooders are failed, but RSS grows past the 64 MiB bound (130 MB measured): not yet diagnosed (socket pause/read sizes in Deno\'s node:net)',
  },
  {
    runtime: 'deno',
    file: 'test/websocket/hostile-peers.test.ts',
    test: "the innocent client's round trips all complete while the flood runs, each waiting behind at most a few turns of it",
    reason: 'not yet diagnosed: round trips complete, but wait behind far more flood frames than on Node (7,808 against at most 512)',
  },
  {
    runtime: 'deno',
    file: 'test/websocket/http2.test.ts',
    test: 'falls back to HTTP/1.1 when the server does not advertise extended CONNECT',
    reason: "not yet diagnosed: the fallback's HTTP/1.1 request meets a response Deno's HTTP parser refuses (\"Expected HTTP/\")",
  },
  {
    runtime: 'deno',
    file: 'test/pubsub/fanout.test.ts',
    test: 'closes a subscriber that stops reading once its bounded buffer is full; the others get everything',
    reason: "not yet diagnosed: the slow subscriber is not closed in time (a plain node:net probe on Deno does report writableLength growing, as on Node)",
  },
  {
    runtime: 'deno',
    file: 'test/long-polling/long-poll-client.test.ts',
    test: 'fires error and retries with backoff on 5xx, malformed answers and timeouts',
    reason: 'not yet diagnosed: one error event fewer than on Node (3 of 4)',
  },
  {
    runtime: 'deno',
    file: 'test/hub/redis-faults.test.ts',
    test: 'stopped (SIGSTOP): publish, SUBSCRIBE and close each give up after commandTimeoutMs; a SUBSCRIBE answered late is undone',
    reason: "test tooling: the helper's redis-server child is reported gone after SIGSTOP by Deno's node:child_process, so SIGCONT cannot be sent",
  },
];
