// Runs one batch of one target in a worker thread, so the campaign can stop a
// hung batch and survive one that runs out of memory.
import fc from 'fast-check';
import { parentPort, workerData } from 'node:worker_threads';
import { TARGETS } from './targets/index.js';

export interface BatchRequest {
  target: string;
  seed: number;
  runs: number;
  /** Int32Array over a SharedArrayBuffer: [0] counts runs started, for the watchdog. */
  progress: SharedArrayBuffer;
}

export interface BatchResult {
  target: string;
  seed: number;
  runs: number;
  failed: boolean;
  /** The first failure's message and its shrunk input, when failed. */
  error?: string;
  counterexample?: string;
  path?: string;
  /** Slowest single input, in ms of wall time (so also any pause of the thread): a near-hang shows here first. */
  slowestRunMs: number;
  slowestInput: string;
  heapUsed: number;
  rss: number;
}

const request = workerData as BatchRequest;
const target = TARGETS.find((t) => t.name === request.target);
if (!target) throw new Error(`no target named ${request.target}`);
const started = new Int32Array(request.progress);
let slowest = 0;
let slowestInput: unknown;
let begin = 0;
const details = target.run(request.seed, request.runs, {
  start() {
    Atomics.add(started, 0, 1);
    begin = performance.now();
  },
  end(input) {
    const took = performance.now() - begin;
    if (took > slowest) {
      slowest = took;
      slowestInput = input;
    }
  },
});
const memory = process.memoryUsage();
const result: BatchResult = {
  target: request.target,
  seed: request.seed,
  runs: details.numRuns,
  failed: details.failed,
  slowestRunMs: slowest,
  slowestInput: fc.stringify(slowestInput).slice(0, 2000),
  heapUsed: memory.heapUsed,
  rss: memory.rss,
};
if (details.failed) {
  result.error = details.errorInstance instanceof Error ? `${details.errorInstance.name}: ${details.errorInstance.message}` : String(details.errorInstance);
  result.counterexample = fc.stringify(details.counterexample).slice(0, 4000);
  result.path = details.counterexamplePath ?? undefined;
}
parentPort!.postMessage(result);
