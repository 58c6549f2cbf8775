// `npm run bench:storm`: the thundering herd after a server restart, measured. For each
// jitter policy in turn, N ReconnectingWebSocket clients (or, for the `universal-…`
// scenarios, N universal clients of src/client on the Switchboard mount; in several processes, over
// several loopback source addresses) connect to a pub/sub server process and subscribe;
// the server is SIGKILLed and started again on the same port `--down-seconds` later.
// The server records every accept, handshake and first subscribe; the clients record
// when their backoff scheduled each attempt and each failed one. Beside each measured
// storm: a replay of the same policy's Backoff for N independent clients, no I/O.
// Writes the result as JSON and draws it as an SVG chart (bench/storm-report.ts).
//   node .bench-out/bench/reconnect-storm.js [--clients 10000] [--processes 4]
//     [--addresses 8] [--channels 16] [--down-seconds 2] [--storm-seconds 90]
//     [--ramp 2000] [--backlog 511] [--drain-seconds 5] [--connect-timeout MS (universal client)]
//     [--policies proportional,full,decorrelated,graceful,
//                 universal,universal-full,universal-decorrelated,universal-graceful]
//     [--out-dir .bench-out/storm] [--chart <path.svg>]
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JitterPolicy } from '../src/protocol/reconnect/backoff.js';
import type { StormClientsMessage, StormClientsReport, StormClientsStart } from './storm-clients.js';
import { BIN_MS, type MeasuredPolicy, type StormResult, histogram, peakFrom, percentiles, renderSvg, replay, sweep, sweepTable, table } from './storm-report.js';
import type { StormServerMessage, StormServerReport } from './storm-server.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    processes: { type: 'string', default: '4' },
    addresses: { type: 'string', default: '8' },
    channels: { type: 'string', default: '16' },
    'down-seconds': { type: 'string', default: '2' },
    'storm-seconds': { type: 'string', default: '90' },
    ramp: { type: 'string', default: '2000' },
    backlog: { type: 'string', default: '511' },
    'drain-seconds': { type: 'string', default: '5' },
    // The universal client's connectTimeout; its default when not given.
    'connect-timeout': { type: 'string' },
    policies: { type: 'string', default: 'proportional,full,decorrelated,graceful' },
    'out-dir': { type: 'string', default: '.bench-out/storm' },
    chart: { type: 'string' },
  },
});
const options = {
  clients: Number(values.clients),
  processes: Number(values.processes),
  addresses: Number(values.addresses),
  channels: Number(values.channels),
  downSeconds: Number(values['down-seconds']),
  stormSeconds: Number(values['storm-seconds']),
  ramp: Number(values.ramp),
  backlog: Number(values.backlog),
  drainSeconds: Number(values['drain-seconds']),
};
for (const [name, value] of Object.entries(options)) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
}
if (options.addresses > 250) throw new Error('--addresses must be at most 250 (127.0.P.2 onwards)');

interface Scenario {
  jitter: JitterPolicy;
  label: string;
  /** Drained (1012 over --drain-seconds, told to come back once the server is up again) rather than SIGKILLed. */
  graceful: boolean;
  /** ReconnectingWebSocket on a bare pub/sub server, or the universal client (WebSocket transport) on the mount. */
  client: 'reconnecting' | 'universal';
}

const POLICIES: Record<string, Scenario> = {
  proportional: { jitter: 0.1, label: '±10 % (default)', graceful: false, client: 'reconnecting' },
  full: { jitter: 'full', label: 'full jitter', graceful: false, client: 'reconnecting' },
  decorrelated: { jitter: 'decorrelated', label: 'decorrelated jitter', graceful: false, client: 'reconnecting' },
  graceful: { jitter: 0.1, label: 'graceful restart (±10 %)', graceful: true, client: 'reconnecting' },
  universal: { jitter: 0.1, label: 'universal client, ±10 % (default)', graceful: false, client: 'universal' },
  'universal-full': { jitter: 'full', label: 'universal client, full jitter', graceful: false, client: 'universal' },
  'universal-decorrelated': { jitter: 'decorrelated', label: 'universal client, decorrelated jitter', graceful: false, client: 'universal' },
  'universal-graceful': { jitter: 0.1, label: 'universal client, graceful restart (±10 %)', graceful: true, client: 'universal' },
};
const policies = values.policies.split(',').map((name) => {
  const policy = POLICIES[name];
  if (policy === undefined) throw new Error(`unknown policy ${name}: use ${Object.keys(POLICIES).join(', ')}`);
  return policy;
});

/** How much later than the server's return a drained client is told to come back. */
const GRACEFUL_MARGIN_MS = 250;

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const children = new Set<ChildProcess>();
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Open files a process may hold (`ulimit -n`); every process here inherits it. */
function fileLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Infinity : Number(out);
}

/** The kernel's listen-queue counters (`nstat TcpExtListenDrops`), for the whole machine. */
function listenCounters(): { drops: number; overflows: number } {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = lines[0].split(/\s+/);
  const numbers = lines[1].split(/\s+/);
  const get = (name: string): number => Number(numbers[names.indexOf(name)]);
  return { drops: get('ListenDrops'), overflows: get('ListenOverflows') };
}

function start(script: string, args: string[]): ChildProcess {
  const child = fork(here(script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function next<T extends StormServerMessage | StormClientsMessage, K extends T['type']>(child: ChildProcess, type: K, timeoutMs: number): Promise<Extract<T, { type: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T): void => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as Extract<T, { type: K }>);
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
  });
}

/** Resolves when the server says `resumed` reached `count`, or after `timeoutMs` (then with false). */
function resumedAll(server: ChildProcess, count: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onMessage = (message: StormServerMessage): void => {
      if (message.type === 'progress' && message.resumed >= count) done(true);
    };
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      server.off('message', onMessage);
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    server.on('message', onMessage);
  });
}

async function startServer(port: number, mount: boolean): Promise<{ child: ChildProcess; port: number; listeningAt: number }> {
  const child = start('./storm-server.js', ['--port', String(port), '--backlog', String(options.backlog), ...(mount ? ['--mount'] : [])]);
  const ready = await next<StormServerMessage, 'ready'>(child, 'ready', 20_000);
  return { child, port: ready.port, listeningAt: ready.listeningAt };
}

/** A server process loaded but not listening yet: `listen()` binds `port`. */
async function standbyServer(port: number, mount: boolean): Promise<{ child: ChildProcess; listen(): Promise<number> }> {
  const child = start('./storm-server.js', ['--port', String(port), '--backlog', String(options.backlog), '--wait', ...(mount ? ['--mount'] : [])]);
  await next<StormServerMessage, 'loaded'>(child, 'loaded', 20_000);
  return {
    child,
    listen: async () => {
      const ready = next<StormServerMessage, 'ready'>(child, 'ready', 20_000);
      child.send({ type: 'listen' });
      return (await ready).listeningAt;
    },
  };
}

async function runPolicy(index: number, { jitter, label, graceful, client }: Scenario): Promise<MeasuredPolicy> {
  const n = options.clients;
  const mount = client === 'universal';
  const first = await startServer(0, mount);
  // Each policy gets addresses of its own (127.0.P.x), so that sockets of the previous
  // one still in TIME_WAIT take no ports from it.
  const addresses = Array.from({ length: options.addresses }, (_, k) => `127.0.${index + 1}.${k + 2}`);
  const loads: ChildProcess[] = [];
  const share = Math.ceil(n / options.processes);
  for (let p = 0; p * share < n; p++) {
    const child = start('./storm-clients.js', []);
    const command: StormClientsStart = {
      type: 'start',
      port: first.port,
      firstId: p * share,
      count: Math.min(share, n - p * share),
      channels: options.channels,
      jitter,
      addresses: addresses.filter((_, k) => k % options.processes === p % options.processes).concat(),
      rampPerSecond: options.ramp / options.processes,
      client,
      connectTimeout: values['connect-timeout'] === undefined ? undefined : Number(values['connect-timeout']),
    };
    if (command.addresses.length === 0) command.addresses = [addresses[p % addresses.length]];
    child.send(command);
    loads.push(child);
  }
  const connectMs = (n / options.ramp) * 1000 + 60_000;
  if (!(await resumedAll(first.child, n, connectMs))) throw new Error(`${label}: not all ${n} clients subscribed within ${connectMs} ms`);
  console.log(`${label}: ${n} clients connected and subscribed; settling`);
  await delay(2000);
  const marked = loads.map((child) => next<StormClientsMessage, 'marked'>(child, 'marked', 10_000));
  for (const child of loads) child.send({ type: 'mark' });
  await Promise.all(marked);

  // The restarted server is loaded beforehand: the downtime is --down-seconds, not that
  // plus Node's start-up on a loaded machine (which varied by a second between runs).
  const standby = await standbyServer(first.port, mount);
  const before = listenCounters();
  const killedAt = Date.now();
  const exited = new Promise((resolve) => first.child.once('exit', resolve));
  let listenAt = killedAt + options.downSeconds * 1000;
  if (graceful) {
    // The server listens again the window plus the downtime after the drain began; each
    // client is told to come back that long after its own close (plus a margin for the
    // restart's own timing), so the first closed is the first back and none is early.
    const windowMs = options.drainSeconds * 1000;
    listenAt += windowMs;
    const drained = next<StormServerMessage, 'drained'>(first.child, 'drained', windowMs + 30_000);
    first.child.send({ type: 'drain', windowMs, retryAfterMs: windowMs + options.downSeconds * 1000 + GRACEFUL_MARGIN_MS });
    await drained;
  }
  first.child.kill('SIGKILL');
  await exited;
  await delay(Math.max(0, listenAt - Date.now()));
  const second = { child: standby.child, listeningAt: await standby.listen() };
  const all = await resumedAll(second.child, n, options.stormSeconds * 1000);
  // Stragglers' failures and the counters settle.
  await delay(1000);
  const after = listenCounters();
  const serverReport = next<StormServerMessage, 'report'>(second.child, 'report', 30_000);
  second.child.send({ type: 'report' });
  const server: StormServerReport = await serverReport;
  const clientReports: StormClientsReport[] = await Promise.all(
    loads.map((child) => {
      const report = next<StormClientsMessage, 'report'>(child, 'report', 30_000);
      child.send({ type: 'report' });
      return report;
    }),
  );
  second.child.send({ type: 'stop' });

  const since = (times: readonly number[]): number[] => times.map((t) => t - killedAt);
  const bins = Math.ceil(((options.stormSeconds + options.downSeconds + 2) * 1000) / BIN_MS);
  const planned = clientReports.flatMap((r) => since(r.planned));
  const attemptsPerBin = histogram(planned, bins);
  const handshakesPerBin = histogram(since(server.handshakes), bins);
  const cpuPerBin = new Array<number>(bins).fill(0);
  // A 100 ms slice's CPU ms is its % of one core.
  for (const sample of server.cpu) {
    const bin = Math.floor((sample.at - killedAt - BIN_MS / 2) / BIN_MS);
    if (bin >= 0 && bin < bins) cpuPerBin[bin] += sample.ms;
  }
  const back = percentiles(since(server.handshakes), n);
  const resumed = percentiles(since(server.resumes), n);
  const lastResume = Math.max(...server.resumes);
  const window = server.cpu.filter((s) => s.at > second.listeningAt && s.at <= lastResume + BIN_MS);
  const cpuMeanPercent = window.length === 0 ? 0 : window.reduce((sum, s) => sum + s.ms, 0) / (window.length * BIN_MS) * 100;
  const downMs = second.listeningAt - killedAt;
  const result: MeasuredPolicy = {
    jitter,
    label,
    graceful,
    clients: n,
    killedAt,
    listeningAt: second.listeningAt,
    measured: {
      attemptsPerBin,
      handshakesPerBin,
      acceptsPerBin: histogram(since(server.accepts), bins),
      cpuPerBin,
      cpuPeakPercent: Math.max(...cpuPerBin),
      cpuMeanPercent,
      failedAttempts: clientReports.reduce((sum, r) => sum + r.failures.length, 0),
      back,
      resumed,
      peakAttemptsPer100ms: peakFrom(attemptsPerBin, 0),
      peakAttemptsAfterRestartPer100ms: peakFrom(attemptsPerBin, downMs),
      peakHandshakesPer100ms: peakFrom(handshakesPerBin, 0),
      listenDrops: after.drops - before.drops,
      listenOverflows: after.overflows - before.overflows,
      missing: n - server.resumes.length,
      clientLoopDelayP99Ms: Math.max(...clientReports.map((r) => r.loopDelayP99)),
      clientLoopDelayMaxMs: Math.max(...clientReports.map((r) => r.loopDelayMax)),
    },
    // The replay is of the backoff alone; a drained client waits its hint instead.
    replay: graceful ? null : replay(jitter, n, downMs, bins, index + 1),
  };
  console.log(
    `${label}: down ${downMs} ms; ${all ? 'all back' : `${result.measured.missing} NOT back`}; 100 % resumed at ${result.measured.resumed.p100} ms; ` +
      `${result.measured.failedAttempts} failed attempts; ${result.measured.listenDrops} listen drops; CPU peak ${result.measured.cpuPeakPercent.toFixed(0)} %`,
  );
  // The client processes exit after reporting; wait for them so the next policy starts clean.
  await Promise.all(loads.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
  return result;
}

async function main(): Promise<void> {
  const limit = fileLimit();
  const perLoad = Math.ceil(options.clients / options.processes);
  // A socket per connection plus the process's own files.
  if (options.clients + 256 > limit || perLoad + 256 > limit) {
    throw new Error(`ulimit -n is ${limit}: the server needs ${options.clients + 256} and each load process ${perLoad + 256}; use more --processes or fewer --clients`);
  }
  const machine = { cores: cpus().length, load: loadavg()[0], fileLimit: limit, somaxconn: readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim(), node: process.version };
  console.log(`storm: ${options.clients} clients in ${options.processes} processes over ${options.addresses} addresses, down ${options.downSeconds} s; ${JSON.stringify(machine)}`);
  const measured: MeasuredPolicy[] = [];
  for (const [index, scenario] of policies.entries()) measured.push(await runPolicy(index, scenario));
  const downtimes = [1000, 2000, 5000, 10_000, 30_000];
  const swept = policies
    .filter((p) => !p.graceful)
    .flatMap(({ jitter, label }) => sweep(label, jitter, options.clients, downtimes))
    .sort((a, b) => a.downMs - b.downMs);
  const result: StormResult = { options: { ...options, policies: values.policies }, machine, policies: measured, sweep: swept };
  mkdirSync(values['out-dir'], { recursive: true });
  const json = join(values['out-dir'], 'reconnect-storm.json');
  writeFileSync(json, `${JSON.stringify(result)}\n`);
  const chart = values.chart ?? join(values['out-dir'], 'reconnect-storm.svg');
  writeFileSync(chart, renderSvg(result));
  console.log(`\n${table(result)}\n\nThe policy alone (replay, ${options.clients} clients), time after the server is back:\n${sweepTable(result.sweep)}\n\nwrote ${json} and ${chart}`);
}

// Nothing outlives the benchmark, whatever ends it.
const deadline = setTimeout(() => {
  console.error('storm: time is up');
  process.exit(2);
}, 30 * 60_000);
deadline.unref();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
