// `npm run bench:soak`: a long run (not a test) that shows whether a pub/sub server's
// memory stays flat under churn and backplane outages. N WebSocket clients speak
// switchboard.v1 to a server process on a RedisHub, each connecting, subscribing to one
// of a few channels, receiving and publishing, disconnecting and coming back; the
// throwaway redis-server behind it is killed and restarted (twice by default). The
// server sends its heap (after a full GC) and RSS every few seconds; the run writes the
// samples (JSON and CSV), draws them (SVG), and prints whether memory grew after warm-up:
// the median of the last quarter of the run against that of the second quarter.
//   node .bench-out/bench/soak.js [--connections 10000] [--minutes 10] [--channels 4]
//     [--restarts 2] [--outage-seconds 5] [--lifetime-seconds 30] [--publish-rate 20]
//     [--addresses 16] [--sample-seconds 5] [--out-dir .bench-out/soak]
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SoakLoad } from './soak-clients.js';
// The tests' throwaway redis-server: its own port, no persistence, killed as a crash would kill it.
import { RedisServerProcess, freePort } from '../test/support/redis-server.js';
import { type SoakEvent, type SoakResult, growth, renderSvg, toCsv } from './soak-report.js';
import type { SoakSample, SoakServerMessage } from './soak-server.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    channels: { type: 'string', default: '4' },
    restarts: { type: 'string', default: '2' },
    'outage-seconds': { type: 'string', default: '5' },
    'lifetime-seconds': { type: 'string', default: '30' },
    'publish-rate': { type: 'string', default: '20' },
    addresses: { type: 'string', default: '16' },
    'sample-seconds': { type: 'string', default: '5' },
    'growth-threshold': { type: 'string', default: '1.10' },
    'out-dir': { type: 'string', default: '.bench-out/soak' },
  },
});
const options = {
  connections: Number(values.connections),
  minutes: Number(values.minutes),
  channels: Number(values.channels),
  restarts: Number(values.restarts),
  outageSeconds: Number(values['outage-seconds']),
  lifetimeSeconds: Number(values['lifetime-seconds']),
  publishRate: Number(values['publish-rate']),
  addresses: Number(values.addresses),
  sampleSeconds: Number(values['sample-seconds']),
  growthThreshold: Number(values['growth-threshold']),
};
for (const [name, value] of Object.entries(options)) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
}
if (options.addresses < 1 || options.addresses > 250) throw new Error('--addresses must be 1 to 250 (127.0.0.2 onwards)');

const MiB = 2 ** 20;
const serverScript = fileURLToPath(new URL('./soak-server.js', import.meta.url));

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const durationMs = options.minutes * 60_000;
  console.log(
    `soak: ${options.connections} connections, ${options.minutes} min, ${options.channels} channels, Redis restarted ${options.restarts}× ` +
      `(${options.outageSeconds} s down), lifetime ~${options.lifetimeSeconds} s, ${options.publishRate} publishes/s, ` +
      `${options.addresses} source addresses; ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`,
  );
  const redis = new RedisServerProcess(await freePort());
  // Whatever ends this process (an exception included) ends its redis-server too.
  process.on('exit', () => redis.killNow());
  await redis.start();
  const server: ChildProcess = fork(serverScript, ['--redis', redis.url, '--sample-ms', String(options.sampleSeconds * 1000)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const samples: SoakSample[] = [];
  const events: SoakEvent[] = [];
  let serverClock = 0;
  let load: SoakLoad | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`soak server exited with ${code}`)));
    server.on('message', (message: SoakServerMessage) => {
      if (message.type === 'ready') resolve(message.port);
      else {
        samples.push(message);
        serverClock = message.at;
        const counts = load?.counts ?? {};
        console.log(
          `  ${(message.at / 60_000).toFixed(2).padStart(6)} min  conns ${String(message.connections).padStart(6)}  heap ${(message.heapUsed / MiB).toFixed(1).padStart(7)} MiB  ` +
            `rss ${(message.rss / MiB).toFixed(1).padStart(7)} MiB  connects ${counts.connected ?? 0}  msgs ${counts.message ?? 0}  ` +
            `ended ${counts['error:subscription-ended'] ?? 0}  gaps ${Object.entries(counts).filter(([k]) => k.startsWith('gap:')).reduce((s, [, v]) => s + v, 0)}`,
        );
      }
    });
  });
  let stopping = false;
  server.on('exit', (code, signal) => {
    if (stopping) return;
    // A server that dies mid-run is itself the finding: say so and leave nothing running.
    console.error(`soak server exited mid-run (code ${code}, signal ${signal}) after ${samples.length} samples`);
    void redis.kill().then(() => process.exit(1));
  });
  const mark = (what: string): void => {
    events.push({ at: serverClock, what });
    console.log(`  -- ${what}`);
  };

  const addresses = Array.from({ length: options.addresses }, (_, i) => `127.0.0.${i + 2}`);
  load = new SoakLoad({
    url: `ws://127.0.0.1:${port}/`,
    connections: options.connections,
    addresses,
    channels: Array.from({ length: options.channels }, (_, i) => `soak-${i}`),
    lifetimeMs: options.lifetimeSeconds * 1000,
    publishRate: options.publishRate,
    rampMs: Math.min(options.lifetimeSeconds * 1000, durationMs / 4),
  });
  const started = Date.now();
  load.start();
  for (let i = 1; i <= options.restarts; i++) {
    await delay(started + (durationMs * i) / (options.restarts + 1) - Date.now());
    await redis.kill();
    mark(`redis killed #${i}`);
    await delay(options.outageSeconds * 1000);
    await redis.start();
    mark(`redis back #${i}`);
  }
  await delay(started + durationMs - Date.now());
  // One more sample at the very end, so the last quarter is not short of one.
  await delay(options.sampleSeconds * 1000);
  // Samples after this are of the shutdown, not of the soak: drawn, but not judged.
  const measuredUntil = serverClock;
  mark('load stopped');
  await load.stop();
  stopping = true;
  server.send({ type: 'stop' });
  await new Promise((resolve) => server.once('exit', resolve));
  await redis.kill();

  const result: SoakResult = { options: { ...options, node: process.version, date: new Date().toISOString() }, samples, events, counts: load.counts, measuredUntil };
  mkdirSync(values['out-dir']!, { recursive: true });
  const base = join(values['out-dir']!, 'soak');
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
  writeFileSync(`${base}.csv`, toCsv(samples));
  writeFileSync(`${base}.svg`, renderSvg(result));
  console.log(`\nsamples: ${base}.json, ${base}.csv; chart: ${base}.svg`);
  console.log('client-side counts:', JSON.stringify(Object.fromEntries(Object.entries(load.counts).sort())));
  let grew = false;
  for (const metric of ['heapUsed', 'rss'] as const) {
    const g = growth(samples.filter((s) => s.at <= measuredUntil), metric);
    const verdict = g.ratio > options.growthThreshold ? 'GREW' : 'flat';
    if (g.ratio > options.growthThreshold) grew = true;
    console.log(
      `${metric.padEnd(8)} median ${(g.secondQuarterMedian / MiB).toFixed(1)} MiB (2nd quarter) → ${(g.lastQuarterMedian / MiB).toFixed(1)} MiB (last quarter): ` +
        `ratio ${g.ratio.toFixed(3)} — ${verdict} (threshold ${options.growthThreshold})`,
    );
  }
  console.log(grew ? 'RESULT: memory grew after warm-up' : 'RESULT: no growth after warm-up');
}

await main();
