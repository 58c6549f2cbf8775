// `npm run bench:scale`: many connections on one machine (issue 15 §2).
// 1. One process at its limit: the pub/sub server (src/pubsub, its own WebSocket server,
//    a MemoryHub) in a process of its own, WebSockets subscribed to one channel from load
//    processes (raw sockets over loopback source addresses 127.x.y.z), at 1,000 / 5,000 /
//    10,000 / 19,000 by default: time to accept all, memory per connection, the heartbeat
//    at a scaled-down period (pings per 50 ms over the hold, CPU per round, event-loop
//    delay), then one 64 B broadcast to all, timed from the publish to each delivery on one
//    clock (process.hrtime is CLOCK_MONOTONIC, shared by every process of the machine).
//    Then the same number of idle SSE streams.
// 2. Across processes: six servers on one RedisHub, WebSocket and SSE subscribers spread
//    over them (100,000 by default), one message published once by one server and
//    delivered to all through Redis: time to the last delivery, Redis and server CPU,
//    memory per connection per process.
// Before anything it reads and prints the limits (ulimit -n, somaxconn, port range,
// tcp_max_syn_backlog, tcp_mem); every child runs with its soft file limit raised to the
// hard one. Writes the results as JSON and markdown. Bounded: a deadline kills everything.
//   node .bench-out/bench/scale.js [--quick] [--steps 1000,5000,10000,19000] [--hold 150] [--step-hold 20]
//     [--sse 19000] [--cluster 100000] [--cluster-processes 6] [--sse-share 0.3]
//     [--heartbeat-interval 3000] [--heartbeat-timeout 1000] [--per-load 9500]
//     [--only single,sse,cluster] [--json docs/scale.json] [--markdown docs/scale.md]
//     [--merge docs/scale.json]  (keeps that file's results of the stages not run now;
//                                 with --only report, redoes only the projection and markdown)
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { type Limits, listenCounters, perProcessCeiling, portsPerAddress, printLimits, readLimits, socketStats } from './scale-limits.js';
import type { LoadReply, OpenCommand } from './scale-load.js';
import { type Child, killAll, startChild } from './scale-procs.js';
import {
  type ClusterResult,
  type Delivery,
  type ScaleReport,
  type StepResult,
  clusterTable,
  markdown,
  mergeBins,
  pingLines,
  project,
  projectionLines,
  stepTable,
  summarizeDeliveries,
} from './scale-report.js';
import type { ScaleServerReply, ServerMemory } from './scale-server.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    steps: { type: 'string' },
    hold: { type: 'string' },
    'step-hold': { type: 'string' },
    sse: { type: 'string' },
    cluster: { type: 'string' },
    'cluster-processes': { type: 'string', default: '6' },
    'sse-share': { type: 'string', default: '0.3' },
    'heartbeat-interval': { type: 'string', default: '3000' },
    'heartbeat-timeout': { type: 'string', default: '1000' },
    'per-load': { type: 'string', default: '9500' },
    only: { type: 'string', default: 'single,sse,cluster' },
    json: { type: 'string', default: 'docs/scale.json' },
    markdown: { type: 'string', default: 'docs/scale.md' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    merge: { type: 'string' },
  },
});
const quick = values.quick;
const options = {
  steps: (values.steps ?? (quick ? '1000,3000' : '1000,5000,10000,19000')).split(',').map(Number),
  holdMs: Number(values.hold ?? (quick ? 10 : 150)) * 1000,
  stepHoldMs: Number(values['step-hold'] ?? (quick ? 7 : 20)) * 1000,
  sse: Number(values.sse ?? (quick ? 3000 : 19000)),
  cluster: Number(values.cluster ?? (quick ? 12000 : 100000)),
  clusterProcesses: Number(values['cluster-processes']),
  sseShare: Number(values['sse-share']),
  interval: Number(values['heartbeat-interval']),
  timeout: Number(values['heartbeat-timeout']),
  perLoad: Number(values['per-load']),
  only: new Set(values.only.split(',')),
};
const CHANNEL = 'scale';
/** 64 bytes of data; '~' marks the broadcast in whatever framing carries it. */
const PAYLOAD = '~' + 'x'.repeat(63);
const CONCURRENCY = 64;
/** How long the empty server is watched for its own CPU and loop delay. */
const IDLE_MS = 3000;
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const limits = readLimits();
printLimits(limits);
const ceiling = perProcessCeiling(limits);
if (options.perLoad > ceiling) throw new Error(`--per-load ${options.perLoad} is over what one process may hold (${ceiling})`);
for (const step of [...options.steps, options.sse]) {
  if (step > ceiling) throw new Error(`${step} connections in one server process: over the file limit (${ceiling}); raise ulimit -Hn or lower --steps`);
}
if (options.cluster / options.clusterProcesses > ceiling) throw new Error(`--cluster ${options.cluster} over ${options.clusterProcesses} processes is over ${ceiling} per process`);

// Everything is bounded: a run that hangs is killed with its children.
const budgetMs = options.holdMs + options.steps.length * (options.stepHoldMs + 120_000) + 600_000;
const deadline = setTimeout(() => {
  console.error(`bench:scale: still running after ${budgetMs / 1000} s; killing every child`);
  killAll();
  process.exit(1);
}, budgetMs);
deadline.unref();

/** A fresh /16 of loopback addresses per run stage, so sockets of the last one in TIME_WAIT take no ports. */
let stage = 0;
/** Source addresses for one load process holding `count`: no address past half its ephemeral ports. */
function addressesFor(load: number, count: number): string[] {
  const perAddress = Math.floor(portsPerAddress(limits) / 2);
  const needed = Math.max(2, Math.ceil(count / perAddress) + 1);
  return Array.from({ length: needed }, (_, k) => `127.${(stage % 250) + 1}.${load}.${k + 2}`);
}

function startServer(name: string, extra: string[] = []): Child {
  return startChild(name, 'scale-server', ['--node-id', name, '--heartbeat-interval', String(options.interval), '--heartbeat-timeout', String(options.timeout), ...extra], [
    '--expose-gc',
  ]);
}

const ask = <T extends ScaleServerReply['type']>(server: Child, type: T, request: object = { type }): Promise<Extract<ScaleServerReply, { type: T }>> =>
  server.ask<{ type: string }>(request, type, 60_000) as Promise<Extract<ScaleServerReply, { type: T }>>;

async function waitForCount(server: Child, kind: 'ws' | 'sse', count: number): Promise<ServerMemory> {
  const until = Date.now() + 30_000;
  for (;;) {
    const memory = await ask(server, 'memory');
    if (memory[kind] === count) return memory;
    if (Date.now() > until) throw new Error(`${server.name} counts ${memory[kind]} ${kind} connections, expected ${count}`);
    await delay(200);
  }
}

/**
 * The server's counts once they reach `ws` and `sse`, or stop moving (a stream the hub
 * failed to subscribe on a loaded machine is closed, not retried): what it holds.
 */
async function settledCounts(server: Child, ws: number, sse: number): Promise<ServerMemory> {
  const until = Date.now() + 30_000;
  let last = '';
  let still = 0;
  for (;;) {
    const memory = await ask(server, 'memory');
    if ((memory.ws === ws && memory.sse === sse) || Date.now() > until) return memory;
    const now = `${memory.ws}/${memory.sse}`;
    still = now === last ? still + 1 : 0;
    if (still >= 4) return memory;
    last = now;
    await delay(500);
  }
}

type Opened = Extract<LoadReply, { type: 'opened' }>;

/** Opens `count` on each load (one command each, all at once); resolves when all report. */
async function openAll(loads: Array<{ load: Child; command: OpenCommand }>): Promise<Opened[]> {
  const timeout = 60_000 + Math.max(...loads.map(({ command }) => command.count)) * 10;
  return Promise.all(loads.map(({ load, command }) => load.ask<Opened>(command, 'opened', timeout)));
}

function slab(): number {
  const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith('Slab:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? NaN) * 1024;
}

async function collectDeliveries(loads: Child[], expected: number, publishedAt: number): Promise<Delivery> {
  const until = Date.now() + 30_000;
  for (;;) {
    await delay(500);
    const replies = await Promise.all(loads.map((load) => load.ask<Extract<LoadReply, { type: 'deliveries' }>>({ type: 'deliveries' }, 'deliveries')));
    const times = replies.flatMap((reply) => reply.times);
    const open = replies.reduce((sum, reply) => sum + reply.open, 0);
    if (times.length >= Math.min(expected, open) || Date.now() > until) return summarizeDeliveries(times, publishedAt, open);
  }
}

async function measureStep(kind: 'ws' | 'sse', count: number, holdMs: number): Promise<StepResult> {
  stage++;
  const server = startServer(`server-${kind}-${count}`);
  const loads: Child[] = [];
  try {
    const { port } = await server.next<Extract<ScaleServerReply, { type: 'ready' }>>('ready', 30_000);
    const loadCount = Math.ceil(count / options.perLoad);
    for (let i = 0; i < loadCount; i++) loads.push(startChild(`load-${kind}-${count}-${i}`, 'scale-load'));
    // Warm-up: code loaded lazily for the first connections is not counted per connection.
    const warm = (origin: bigint): OpenCommand => ({ type: 'open', kind, port, count: 20, addresses: [`127.${stage}.250.2`], channel: CHANNEL, origin: String(origin), concurrency: 5 });
    await loads[0].ask(warm(process.hrtime.bigint()), 'opened', 30_000);
    await loads[0].ask({ type: 'close' }, 'closed');
    await waitForCount(server, kind, 0);
    // The empty server's own CPU and loop delay (timers, IPC, the loop monitor), subtracted from the hold's.
    await ask(server, 'loop', { type: 'loop-start' });
    const idle0 = (await ask(server, 'cpu')).micros;
    await delay(IDLE_MS);
    const idleCpuShare = ((await ask(server, 'cpu')).micros - idle0) / 1000 / IDLE_MS;
    const idleLoop = await ask(server, 'loop', { type: 'loop-stop' });
    const before = await ask(server, 'memory');
    const slabBefore = slab();
    const socketsBefore = socketStats();
    const drops = listenCounters();

    const origin = process.hrtime.bigint();
    const share = Math.ceil(count / loadCount);
    const commands = loads.map((load, i) => ({
      load,
      command: {
        type: 'open',
        kind,
        port,
        count: Math.min(share, count - i * share),
        addresses: addressesFor(i, share),
        channel: CHANNEL,
        origin: String(origin),
        concurrency: CONCURRENCY,
      } satisfies OpenCommand,
    }));
    const opened = await openAll(commands);
    const acceptMs = Math.max(...opened.map((o) => o.handshakesAt)) - Math.min(...opened.map((o) => o.startedAt));
    const subscribedMs = Math.max(...opened.map((o) => o.subscribedAt)) - Math.min(...opened.map((o) => o.startedAt));
    const after = await waitForCount(server, kind, count);
    const slabAfter = slab();
    const socketsAfter = socketStats();
    const dropsAfter = listenCounters();
    console.log(
      `  ${kind} ${count}: accepted in ${Math.round(acceptMs)} ms (subscribed ${Math.round(subscribedMs)} ms); listen drops ${dropsAfter.drops - drops.drops}, overflows ${dropsAfter.overflows - drops.overflows}; holding ${holdMs / 1000} s`,
    );

    // The hold: heartbeat rounds (WebSocket), measured from its start.
    for (const load of loads) load.send({ type: 'pings-reset' });
    await ask(server, 'loop', { type: 'loop-start' });
    const cpu0 = (await ask(server, 'cpu')).micros;
    const holdStart = Number(process.hrtime.bigint() - origin) / 1e6;
    await delay(holdMs);
    const cpu1 = (await ask(server, 'cpu')).micros;
    const loop = await ask(server, 'loop', { type: 'loop-stop' });
    const pingReplies = await Promise.all(loads.map((load) => load.ask<Extract<LoadReply, { type: 'pings' }>>({ type: 'pings' }, 'pings')));
    const afterHold = await ask(server, 'memory');
    const binMs = pingReplies[0].binMs;
    const allBins = mergeBins(pingReplies.map((reply) => reply.counts));
    const holdBins = allBins.slice(Math.floor(holdStart / binMs));
    const pings = pingReplies.reduce((sum, reply) => sum + reply.total, 0);
    const lost = pingReplies.reduce((sum, reply) => sum + reply.lost, 0);
    const cpuMs = (cpu1 - cpu0) / 1000;
    const netCpuMs = Math.max(0, cpuMs - idleCpuShare * holdMs);
    const rounds = pings / count;

    // One 64 B broadcast to all: all the server still holds (a heartbeat may have dropped some).
    const serverOpen = (await ask(server, 'memory'))[kind];
    await Promise.all(loads.map((load) => load.ask({ type: 'arm' }, 'armed')));
    const published = await ask(server, 'published', { type: 'publish', channel: CHANNEL, data: PAYLOAD });
    const publishedAt = Number(BigInt(published.at) - origin) / 1e6;
    const broadcast = await collectDeliveries(loads, serverOpen, publishedAt);
    broadcast.serverOpen = serverOpen;
    broadcast.serverSettledMs = Number(BigInt(published.settled) - BigInt(published.at)) / 1e6;

    const per = (a: number, b: number): number => (b - a) / count;
    const result: StepResult = {
      kind,
      connections: count,
      loadProcesses: loads.length,
      acceptMs,
      subscribedMs,
      rssPerConnection: per(before.rss, after.rss),
      heapPerConnection: per(before.heapUsed, after.heapUsed),
      externalPerConnection: per(before.external, after.external),
      rssPerConnectionAfterHold: per(before.rss, afterHold.rss),
      heapPerConnectionAfterHold: per(before.heapUsed, afterHold.heapUsed),
      holdMs,
      pings,
      rounds,
      cpuPerRoundMs: rounds > 0 ? netCpuMs / rounds : NaN,
      cpuPerPingMicros: pings > 0 ? (netCpuMs * 1000) / pings : NaN,
      holdCpuShare: cpuMs / holdMs,
      idleCpuShare,
      idleLoopP99Ms: idleLoop.p99,
      loopP50Ms: loop.p50,
      loopP99Ms: loop.p99,
      loopMaxMs: loop.max,
      pingBins: holdBins,
      pingBinMs: binMs,
      largestPingBurst: Math.max(0, ...holdBins) / count,
      lost,
      broadcast,
      // Both ends of every connection are on this machine: half of the kernel's growth is the server's.
      kernelSlabPerConnection: (slabAfter - slabBefore) / (2 * count),
      kernelTcpMemPerConnection: ((socketsAfter.tcpMemPages - socketsBefore.tcpMemPages) * limits.pageSize) / (2 * count),
    };
    console.log(
      `  ${kind} ${count}: RSS ${Math.round(result.rssPerConnection)} B/conn, heap ${Math.round(result.heapPerConnection)} B/conn; ` +
        `hold: ${pings} pings (${rounds.toFixed(1)} rounds), CPU ${cpuMs.toFixed(0)} ms (${(result.holdCpuShare * 100).toFixed(1)} % of a core; empty server ${(idleCpuShare * 100).toFixed(1)} %), ` +
        `loop p99 ${loop.p99.toFixed(1)} ms (empty server ${idleLoop.p99.toFixed(1)} ms), lost ${lost}; ` +
        `broadcast: ${broadcast.delivered}/${serverOpen} (load side counts ${broadcast.open} open), last ${broadcast.lastMs.toFixed(1)} ms (server done writing after ${broadcast.serverSettledMs.toFixed(1)} ms)`,
    );
    return result;
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await server.stop();
  }
}

async function redisCpu(client: { sendCommand(args: string[]): Promise<unknown> }): Promise<number> {
  const info = String(await client.sendCommand(['INFO', 'cpu']));
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

async function measureCluster(total: number): Promise<ClusterResult> {
  stage++;
  const keyPrefix = `switchboard-bench-scale:${randomBytes(6).toString('hex')}:`;
  const redis = createClient({ url: values.redis });
  redis.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  await redis.connect();
  const servers: Child[] = [];
  const loads: Child[] = [];
  try {
    // The production heartbeat (30 s / 10 s): this stage measures the fan-out, not pings.
    for (let i = 0; i < options.clusterProcesses; i++) {
      servers.push(
        startChild(`cluster-${i}`, 'scale-server', ['--node-id', `cluster-${i}`, '--redis', values.redis, '--key-prefix', keyPrefix, '--heartbeat-interval', '30000', '--heartbeat-timeout', '10000'], [
          '--expose-gc',
        ]),
      );
    }
    const ports = (await Promise.all(servers.map((server) => server.next<Extract<ScaleServerReply, { type: 'ready' }>>('ready', 30_000)))).map((ready) => ready.port);
    const perServer = Math.ceil(total / servers.length);
    const sseTotal = Math.round(total * options.sseShare);
    const plan = servers.map((_, i) => {
      const here = Math.min(perServer, total - i * perServer);
      const sse = Math.round((here * sseTotal) / total);
      return { ws: here - sse, sse };
    });
    const loadCount = Math.ceil(total / options.perLoad);
    for (let i = 0; i < loadCount; i++) loads.push(startChild(`cluster-load-${i}`, 'scale-load'));
    // Warm-up of every server, both transports.
    for (const [i, port] of ports.entries()) {
      for (const kind of ['ws', 'sse'] as const) {
        await loads[0].ask({ type: 'open', kind, port, count: 10, addresses: [`127.${stage}.250.${i + 2}`], channel: CHANNEL, origin: String(process.hrtime.bigint()), concurrency: 5 }, 'opened', 30_000);
      }
    }
    await loads[0].ask({ type: 'close' }, 'closed');
    for (const server of servers) {
      await waitForCount(server, 'ws', 0);
      await waitForCount(server, 'sse', 0);
    }
    const before = await Promise.all(servers.map((server) => ask(server, 'memory')));
    const redisBeforeOpen = await redisCpu(redis);

    // Each load process holds a slice of every server's WebSockets and streams, opened one batch after another.
    const origin = process.hrtime.bigint();
    const started = Date.now();
    const openedAt = await Promise.all(
      loads.map(async (load, l) => {
        const addresses = addressesFor(l, options.perLoad);
        let last = 0;
        for (const [i, port] of ports.entries()) {
          for (const kind of ['ws', 'sse'] as const) {
            const n = plan[i][kind];
            const share = Math.ceil(n / loads.length);
            const count = Math.max(0, Math.min(share, n - l * share));
            if (count === 0) continue;
            const opened = await load.ask<Opened>({ type: 'open', kind, port, count, addresses, channel: CHANNEL, origin: String(origin), concurrency: CONCURRENCY }, 'opened', 120_000 + count * 10);
            last = Math.max(last, opened.handshakesAt);
          }
        }
        return last;
      }),
    );
    const acceptMs = Math.max(...openedAt);
    const after = await Promise.all(servers.map((server, i) => settledCounts(server, plan[i].ws, plan[i].sse)));
    const held = after.reduce((sum, memory) => sum + memory.ws + memory.sse, 0);
    if (held < total) console.log(`  cluster: the servers hold ${held} of ${total} (the rest failed to open on this machine)`);
    const redisAfterOpen = await redisCpu(redis);
    console.log(`  cluster: ${total} connections open in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await delay(2000);

    await Promise.all(loads.map((load) => load.ask({ type: 'arm' }, 'armed')));
    const cpuBefore = await Promise.all(servers.map((server) => ask(server, 'cpu')));
    const redisBefore = await redisCpu(redis);
    const published = await ask(servers[0], 'published', { type: 'publish', channel: CHANNEL, data: PAYLOAD });
    const publishedAt = Number(BigInt(published.at) - origin) / 1e6;
    const broadcast = await collectDeliveries(loads, held, publishedAt);
    broadcast.serverOpen = held;
    const redisAfter = await redisCpu(redis);
    const cpuAfter = await Promise.all(servers.map((server) => ask(server, 'cpu')));
    return {
      processes: servers.length,
      connections: total,
      ws: plan.reduce((sum, p) => sum + p.ws, 0),
      sse: plan.reduce((sum, p) => sum + p.sse, 0),
      loadProcesses: loads.length,
      acceptMs,
      broadcast,
      redisCpuMs: redisAfter - redisBefore,
      redisCpuOpenMs: redisAfterOpen - redisBeforeOpen,
      perProcess: servers.map((_, i) => {
        const n = after[i].ws + after[i].sse;
        return {
          ws: after[i].ws,
          sse: after[i].sse,
          // Includes the 500 ms polls for deliveries: an upper bound of the broadcast's cost.
          cpuMs: (cpuAfter[i].micros - cpuBefore[i].micros) / 1000,
          rssPerConnection: (after[i].rss - before[i].rss) / n,
          heapPerConnection: (after[i].heapUsed - before[i].heapUsed) / n,
        };
      }),
    };
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await Promise.all(servers.map((server) => server.stop()));
    let cursor = '0';
    do {
      const reply = (await redis.sendCommand(['SCAN', cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', '1000'])) as [string, string[]];
      cursor = reply[0];
      if (reply[1].length > 0) await redis.sendCommand(['DEL', ...reply[1]]);
    } while (cursor !== '0');
    await redis.quit();
  }
}

function printPings(step: StepResult): void {
  for (const line of pingLines(step, options.interval, options.timeout)) console.log(line);
}

async function main(): Promise<void> {
  console.log(
    `\nbench:scale${quick ? ' (quick)' : ''}: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, Node ${process.version}. Shared machine: the numbers are noisy.`,
  );
  const report: ScaleReport = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAverage: loadavg(), node: process.version, totalMemoryMiB: Math.round(totalmem() / 1048576) },
    noisy: 'Taken on a shared 2-core machine with other work running: noisy, to be re-taken on a quiet one.',
    command: `npm run bench:scale${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    limits: limits satisfies Limits,
    heartbeat: { interval: options.interval, timeout: options.timeout },
    steps: [],
  };
  if (values.merge !== undefined) {
    const earlier = JSON.parse(readFileSync(values.merge, 'utf8')) as ScaleReport;
    if (!options.only.has('single')) report.steps = earlier.steps;
    if (!options.only.has('sse')) report.sse = earlier.sse;
    if (!options.only.has('cluster')) report.cluster = earlier.cluster;
    report.command = `${earlier.command}; ${report.command}`;
    // Nothing measured now (--only report): the earlier run's facts stay, the projection and markdown are redone.
    if (!['single', 'sse', 'cluster'].some((stage) => options.only.has(stage))) Object.assign(report, { date: earlier.date, machine: earlier.machine, command: earlier.command, limits: earlier.limits, heartbeat: earlier.heartbeat });
  }
  const save = (): void => {
    report.projection = project(report.steps);
    writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(values.markdown, markdown(report));
  };
  if (options.only.has('single')) {
    console.log(`\nOne process: WebSockets (pub/sub, subscribed), heartbeat ${options.interval} ms / ${options.timeout} ms`);
    const largest = Math.max(...options.steps);
    for (const count of options.steps) {
      report.steps.push(await measureStep('ws', count, count === largest ? options.holdMs : options.stepHoldMs));
      save();
    }
    printPings(report.steps[report.steps.length - 1]);
  }
  if (options.only.has('sse')) {
    console.log(`\nOne process: idle SSE streams`);
    report.sse = await measureStep('sse', options.sse, options.stepHoldMs);
    save();
  }
  console.log('');
  for (const line of stepTable([...report.steps, ...(report.sse ? [report.sse] : [])])) console.log(line);
  if (options.only.has('cluster')) {
    console.log(`\nAcross processes: ${options.clusterProcesses} servers on one RedisHub`);
    report.cluster = await measureCluster(options.cluster);
    save();
    console.log('');
    for (const line of clusterTable(report.cluster)) console.log(line);
  }
  save();
  if (report.projection) {
    console.log('');
    for (const line of projectionLines(report.projection)) console.log(line);
  }
  console.log(`\nWrote ${values.json} and ${values.markdown}`);
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    killAll();
    process.exit(1);
  },
);
