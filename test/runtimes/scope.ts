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
    reason: "Deno's node:zlib inflates on the main thread: no timer or immediate runs while a stream inflates (a 10 ms interval ticked 0 times during a 276 ms inflate of 128 MiB; 80 times on Node, where zlib runs on the thread pool), so the close() the test schedules with setImmediate comes after the 128 MiB message was delivered (the worker's OOM was vitest quoting that Buffer in the failure; the test now compares lengths)",
  },
  {
    runtime: 'deno',
    file: 'test/websocket/hostile-peers.test.ts',
    test: 'fails each flooder with 1008 past maxUnsentPongs and destroys it within FAIL_GRACE; memory stays bounded',
    reason: "Deno's node:net read buffers are garbage-collected late: the flooders are failed and the library's buffers stay under 0.1 MiB, but the pings read meanwhile (hundreds of MiB) leave +130-160 MiB of external memory awaiting GC; a plain node:net server reading and dropping 1 GiB peaks at +274-313 MiB on Deno, +32-34 MiB on Node, and gc() reclaims it",
  },
  {
    runtime: 'deno',
    file: 'test/hub/redis-faults.test.ts',
    test: 'stopped (SIGSTOP): publish, SUBSCRIBE and close each give up after commandTimeoutMs; a SUBSCRIBE answered late is undone',
    reason: "test tooling: the helper's redis-server child is reported gone after SIGSTOP by Deno's node:child_process, so SIGCONT cannot be sent",
  },
];
