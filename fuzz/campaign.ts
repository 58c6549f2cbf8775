// A long fast-check campaign over the parsers that read what peers send: run on
// demand (`npm run fuzz -- --runs N`), not in CI. Every batch has its own seed,
// derived from the campaign seed and printed, so any finding can be replayed:
//   npm run fuzz -- --replay <target>:<seed>:<runs>
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { BatchRequest, BatchResult } from './batch-worker.js';
import { TARGETS } from './targets/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000000' },
    seed: { type: 'string' },
    targets: { type: 'string' },
    batch: { type: 'string', default: '100000' },
    'stall-seconds': { type: 'string', default: '120' },
    'heap-mb': { type: 'string', default: '512' },
    out: { type: 'string', default: '.bench-out/fuzz-report.json' },
    replay: { type: 'string' },
  },
});

interface Finding {
  kind: 'failure' | 'hang' | 'crash';
  target: string;
  seed: number;
  runs: number;
  /** Inputs the batch had begun when it failed, hung or crashed. */
  started: number;
  error: string;
  counterexample?: string;
  path?: string;
  replay: string;
}

interface TargetReport {
  name: string;
  description: string;
  runs: number;
  batches: number;
  seconds: number;
  slowestRunMs: number;
  slowestInput: string;
  peakHeapMb: number;
  findings: number;
}

const workerUrl = new URL('./batch-worker.js', import.meta.url);
const stallMs = Number(values['stall-seconds']) * 1000;
const heapMb = Number(values['heap-mb']);

/** Runs one batch in a fresh worker; a batch that makes no progress for stallMs is a hang. */
function runBatch(target: string, seed: number, runs: number): Promise<BatchResult | Finding> {
  return new Promise((resolve) => {
    const progress = new SharedArrayBuffer(4);
    const counter = new Int32Array(progress);
    const request: BatchRequest = { target, seed, runs, progress };
    const worker = new Worker(workerUrl, { workerData: request, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    const replay = `npm run fuzz -- --replay ${target}:${seed}:${runs}`;
    let last = -1;
    let lastChange = Date.now();
    let settled = false;
    const finish = (outcome: BatchResult | Finding): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      resolve(outcome);
    };
    const watchdog = setInterval(() => {
      const now = Atomics.load(counter, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) {
        void worker.terminate();
        finish({ kind: 'hang', target, seed, runs, started: now, error: `no progress for ${stallMs / 1000} s at run ${now} of the batch`, replay });
      }
    }, 1000);
    worker.once('message', (result: BatchResult) => finish(result));
    worker.once('error', (error: Error & { code?: string }) => finish({ kind: 'crash', target, seed, runs, started: Atomics.load(counter, 0), error: `${error.code ?? error.name}: ${error.message}`, replay }));
    worker.once('exit', (code) => finish({ kind: 'crash', target, seed, runs, started: Atomics.load(counter, 0), error: `worker exited with code ${code} before reporting`, replay }));
  });
}

function isResult(outcome: BatchResult | Finding): outcome is BatchResult {
  return 'failed' in outcome;
}

/** A batch seed from the campaign seed, the target and the batch number (FNV-1a). */
function batchSeed(seed: number, target: string, index: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of `${target}#${index}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash >>> 0;
}

async function main(): Promise<void> {
  if (values.replay !== undefined) {
    const [target, seed, runs] = values.replay.split(':');
    const outcome = await runBatch(target, Number(seed), Number(runs));
    console.log(JSON.stringify(outcome, null, 2));
    process.exitCode = isResult(outcome) && !outcome.failed ? 0 : 1;
    return;
  }
  const seed = values.seed === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(values.seed);
  const total = Number(values.runs);
  const batch = Number(values.batch);
  const chosen = values.targets === undefined ? TARGETS : TARGETS.filter((t) => values.targets!.split(',').includes(t.name));
  if (chosen.length === 0) throw new Error(`no such targets; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  const weights = chosen.reduce((sum, t) => sum + t.weight, 0);
  console.log(`fuzz campaign: seed ${seed}, ${total.toLocaleString('en')} runs over ${chosen.length} targets, batches of ${batch.toLocaleString('en')}`);
  console.log(`  same campaign again: npm run fuzz -- --seed ${seed} --runs ${total}${values.targets ? ` --targets ${values.targets}` : ''}`);

  const findings: Finding[] = [];
  const reports: TargetReport[] = [];
  const campaignStart = Date.now();
  for (const target of chosen) {
    const share = Math.round((total * target.weight) / weights);
    const report: TargetReport = { name: target.name, description: target.description, runs: 0, batches: 0, seconds: 0, slowestRunMs: 0, slowestInput: '', peakHeapMb: 0, findings: 0 };
    const start = Date.now();
    for (let index = 0; report.runs < share; index++) {
      const runs = Math.min(batch, share - report.runs);
      const s = batchSeed(seed, target.name, index);
      const outcome = await runBatch(target.name, s, runs);
      report.batches++;
      if (isResult(outcome)) {
        report.runs += outcome.runs;
        if (outcome.slowestRunMs > report.slowestRunMs) {
          report.slowestRunMs = outcome.slowestRunMs;
          report.slowestInput = outcome.slowestInput;
        }
        report.peakHeapMb = Math.max(report.peakHeapMb, outcome.heapUsed / 2 ** 20);
        if (outcome.failed) {
          const finding: Finding = { kind: 'failure', target: target.name, seed: s, runs, started: outcome.runs, error: outcome.error ?? '', counterexample: outcome.counterexample, path: outcome.path, replay: `npm run fuzz -- --replay ${target.name}:${s}:${runs}` };
          findings.push(finding);
          report.findings++;
          console.log(`  FINDING in ${target.name}: ${finding.error}\n    input: ${finding.counterexample?.slice(0, 300)}\n    replay: ${finding.replay}`);
        }
      } else {
        report.runs += outcome.started;
        findings.push(outcome);
        report.findings++;
        console.log(`  ${outcome.kind.toUpperCase()} in ${target.name}: ${outcome.error}\n    replay: ${outcome.replay}`);
      }
      // A target that keeps failing has said what it has to say.
      if (report.findings >= 3) break;
    }
    report.seconds = (Date.now() - start) / 1000;
    reports.push(report);
    console.log(
      `  ${target.name.padEnd(22)} ${report.runs.toLocaleString('en').padStart(12)} runs  ${report.seconds.toFixed(0).padStart(5)} s  ` +
        `${Math.round(report.runs / Math.max(report.seconds, 0.001)).toLocaleString('en').padStart(8)}/s  slowest input ${report.slowestRunMs.toFixed(1)} ms  ` +
        `heap ≤ ${report.peakHeapMb.toFixed(0)} MiB  findings ${report.findings}`,
    );
  }
  const runsDone = reports.reduce((sum, r) => sum + r.runs, 0);
  const summary = { seed, requestedRuns: total, runs: runsDone, seconds: (Date.now() - campaignStart) / 1000, node: process.version, targets: reports, findings };
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`${runsDone.toLocaleString('en')} inputs in ${summary.seconds.toFixed(0)} s, ${findings.length} findings; report in ${values.out}`);
  process.exitCode = findings.length === 0 ? 0 : 1;
}

await main();
