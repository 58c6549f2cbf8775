// A measured rolling restart behind nginx: three example processes on Redis behind the
// shipped nginx config, universal clients on every transport plus ReconnectingWebSockets,
// some publishing all along; each process drained (SIGTERM with --drain-ms), exited and
// replaced on its port, one after another (test/support/rolling-restart.ts does the work,
// the same code as test/scaling/rolling-restart.test.ts). Prints how long each step took
// and where the sessions were before and after it, checks that every client got every
// stored message once, in order, and writes the result as JSON.
//   npm run bench:rolling -- [--clients N per transport per process] [--drain-ms MS] [--out file.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compileExamples, findNginx } from '../test/support/cluster.js';
import { rollingRestart, type RollResult } from '../test/support/rolling-restart.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10' },
    legacy: { type: 'string', default: '5' },
    publishers: { type: 'string', default: '6' },
    'drain-ms': { type: 'string', default: '2000' },
    out: { type: 'string' },
  },
});

const nginx = findNginx();
if (nginx === undefined) throw new Error('nginx is not installed');
await compileExamples();
const options = {
  clientsPerTransport: Number(values.clients),
  legacyPerNode: Number(values.legacy),
  publishers: Number(values.publishers),
  drainMs: Number(values['drain-ms']),
};
const result = await rollingRestart({ nginxPath: nginx, ...options, log: (line) => console.error(line) });
const summary = summarize(result);
console.log(JSON.stringify({ options, ...summary }, null, 2));
printRows(result, summary);
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify({ options, ...summary, steps: result.steps }, null, 2)}\n`);
if (!summary.allExact) process.exitCode = 1;

function summarize(r: RollResult) {
  const exact = r.clients.filter((c) => c.gaps.length === 0 && c.ids.length === r.truth.length && c.ids.every((id, i) => id === r.truth[i]));
  const moves = r.clients.map((c) => c.waits.length);
  const waits = r.clients.flatMap((c) => c.waits).length;
  const stored = new Set(r.truth);
  // Why each reconnection happened: the drain's hint (1012 and its `restart`, the stream's
  // `retry:`, a poll's 503), or a session cut otherwise (a POST or poll that reached
  // another process: 404), numbers stripped.
  const reasons: Record<string, number> = {};
  const onHint = (reason: string): boolean => /1012|Service restart|event stream ended|answered 503/.test(reason);
  for (const wait of r.clients.flatMap((c) => c.waits)) {
    const key = `${onHint(wait.reason) ? 'hint' : 'other'}: ${wait.reason.replace(/^Service restart$/, 'ReconnectingWebSocket: closed (1012 Service restart)')}`;
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  const hinted = r.clients.flatMap((c) => c.waits).filter((w) => onHint(w.reason)).length;
  return {
    waitReasons: reasons,
    clients: r.clients.length,
    messagesStored: r.truth.length,
    acknowledged: r.acknowledged.length,
    acknowledgedNotStored: r.acknowledged.filter((id) => !stored.has(id)).length,
    publishesRetried: r.retried,
    allExact: exact.length === r.clients.length,
    exactClients: exact.length,
    reconnectionsPerClient: { mean: moves.reduce((a, b) => a + b, 0) / moves.length, max: Math.max(...moves) },
    reconnectionsOnTheHint: `${hinted} of ${waits}`,
    totalMs: r.totalMs,
  };
}

function printRows(r: RollResult, s: ReturnType<typeof summarize>): void {
  console.log('\n| step | drain | exit | start | back in nginx | sessions before (n0/n1/n2) | sessions after |');
  console.log('|---|---:|---:|---:|---:|---|---|');
  for (const [i, step] of r.steps.entries()) {
    const fmt = (sessions: Readonly<Record<string, number>>): string => ['n0', 'n1', 'n2'].map((id) => sessions[id] ?? 0).join(' / ');
    console.log(`| ${i + 1}: ${step.node} | ${step.drainMs} ms | ${step.exitMs} ms | ${step.startMs} ms | ${step.backMs} ms | ${fmt(step.before)} | ${fmt(step.after)} |`);
  }
  console.log(`\n${s.clients} clients, ${s.messagesStored} messages stored, ${s.exactClients}/${s.clients} clients with exactly those ids in order; reconnections per client mean ${s.reconnectionsPerClient.mean.toFixed(2)}, max ${s.reconnectionsPerClient.max}; ${s.reconnectionsOnTheHint} on the server's hint; ${s.publishesRetried} publishes retried; roll took ${(s.totalMs / 1000).toFixed(1)} s`);
}
