// The results of `npm run bench:scale` as data (docs/scale.json), terminal tables, an
// ASCII histogram of heartbeat ping times, a markdown summary (docs/scale.md), and the
// projection to a fleet: pure functions of the measured numbers, nothing measured here.
import type { Limits } from './scale-limits.js';

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface Delivery {
  /** Connections that got the broadcast, of those open. */
  delivered: number;
  open: number;
  /** ms from the publish (process.hrtime in the publishing server) to deliveries, on the load side. */
  firstMs: number;
  p50Ms: number;
  p99Ms: number;
  lastMs: number;
  /** Single process: connections the server held when it published (the load side may not have seen a drop yet). */
  serverOpen?: number;
  /** Single process: from the publish until the server's loop had turned once after it (its writes handed to the sockets). */
  serverSettledMs?: number;
}

export interface StepResult {
  kind: 'ws' | 'sse';
  connections: number;
  loadProcesses: number;
  /** ms from the first connect to the last handshake / last subscription. */
  acceptMs: number;
  subscribedMs: number;
  /** Per connection, after gc(), against the server before any connection (after a warm-up). */
  rssPerConnection: number;
  heapPerConnection: number;
  externalPerConnection: number;
  /** The same after the hold (heartbeat rounds done). */
  rssPerConnectionAfterHold: number;
  heapPerConnectionAfterHold: number;
  holdMs: number;
  /** Heartbeat (WebSocket only): pings seen on the load side during the hold. */
  pings: number;
  /** Pings per connection during the hold: rounds. */
  rounds: number;
  /** Server CPU during the hold per round, ms, and per ping (with its pong), µs; the empty server's share subtracted. */
  cpuPerRoundMs: number;
  cpuPerPingMicros: number;
  /** Server CPU during the hold, share of one core. */
  holdCpuShare: number;
  /** The empty server's CPU (share of a core) and loop delay p99, watched before any connection: subtracted from the hold's CPU. */
  idleCpuShare: number;
  idleLoopP99Ms: number;
  /** Event-loop delay of the server during the hold (monitorEventLoopDelay, 10 ms resolution), ms. */
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Pings per 50 ms bin over the hold, from its start. */
  pingBins: number[];
  pingBinMs: number;
  /** Largest share of the connections pinged within one 50 ms bin. */
  largestPingBurst: number;
  /** Connections the load side saw closed during the hold (heartbeat timeouts on a busy machine). */
  lost: number;
  broadcast: Delivery;
  /** Kernel: /proc/meminfo Slab and /proc/net/sockstat TCP mem, per connection (both ends on loopback). */
  kernelSlabPerConnection: number;
  kernelTcpMemPerConnection: number;
}

export interface ClusterResult {
  processes: number;
  connections: number;
  ws: number;
  sse: number;
  loadProcesses: number;
  acceptMs: number;
  broadcast: Delivery;
  /** Redis CPU (INFO cpu: used_cpu_user + used_cpu_sys) from just before the publish to the last delivery, ms. */
  redisCpuMs: number;
  /** Redis CPU while the connections were opened (subscribes), ms. */
  redisCpuOpenMs: number;
  /** Each server's CPU for the broadcast, ms, and memory per connection. */
  perProcess: Array<{ ws: number; sse: number; cpuMs: number; rssPerConnection: number; heapPerConnection: number }>;
}

export interface ScaleReport {
  date: string;
  machine: { cpus: number; loadAverage: number[]; node: string; totalMemoryMiB: number };
  noisy: string;
  command: string;
  limits: Limits;
  heartbeat: { interval: number; timeout: number };
  steps: StepResult[];
  sse?: StepResult;
  cluster?: ClusterResult;
  projection?: Projection;
}

export function summarizeDeliveries(times: number[], publishedAt: number, open: number): Delivery {
  const sorted = times.map((time) => time - publishedAt).sort((a, b) => a - b);
  const at = (q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { delivered: sorted.length, open, firstMs: sorted[0] ?? NaN, p50Ms: at(0.5), p99Ms: at(0.99), lastMs: sorted[sorted.length - 1] ?? NaN };
}

/** Adds bin arrays element by element (one per load process). */
export function mergeBins(all: number[][]): number[] {
  const merged: number[] = [];
  for (const bins of all) bins.forEach((count, i) => (merged[i] = (merged[i] ?? 0) + count));
  return Array.from(merged, (count) => count ?? 0);
}

/**
 * The ping times of one stretch as text bars: one line per `lineMs`, so a heartbeat
 * period shows whether the pings go out spread over it or all at once.
 */
export function pingHistogram(bins: number[], binMs: number, fromMs: number, spanMs: number, lineMs = 250, width = 50): string[] {
  const perLine = Math.max(1, Math.round(lineMs / binMs));
  const first = Math.floor(fromMs / binMs);
  const lines: Array<[number, number]> = [];
  for (let bin = first; bin < first + spanMs / binMs; bin += perLine) {
    let sum = 0;
    for (let k = 0; k < perLine; k++) sum += bins[bin + k] ?? 0;
    lines.push([(bin - first) * binMs, sum]);
  }
  const max = Math.max(1, ...lines.map(([, count]) => count));
  return lines.map(([at, count]) => `  ${String(at).padStart(6)} ms | ${'#'.repeat(Math.round((count / max) * width)).padEnd(width)} ${count}`);
}

/** One heartbeat period of a step's pings (the second of the hold: the first may still carry the connect's order). */
export function pingLines(step: StepResult, interval: number, timeout: number): string[] {
  // heartbeat.ts ticks every min(interval, timeout) / 4 and pings a peer silent for `interval`: a round takes interval + one tick.
  const period = interval + Math.max(1, Math.floor(Math.min(interval, timeout) / 4));
  const from = Math.min(period, Math.max(0, step.holdMs - period));
  return [
    `Heartbeat pings of ${step.connections.toLocaleString('en-US')} connections over one period (${period} ms, from ${from} ms into the hold), per 250 ms, as received:`,
    ...pingHistogram(step.pingBins, step.pingBinMs, from, period),
  ];
}

export function printTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
  const show = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [show(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(show)];
}

const int = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

export function stepTable(steps: StepResult[]): string[] {
  return printTable(
    [
      'kind',
      'connections',
      'accept all (ms)',
      'RSS/conn (B)',
      'heap/conn (B)',
      'RSS/conn after hold',
      'heartbeat rounds',
      'CPU/round (ms)',
      'CPU/ping (µs)',
      'loop p99 (ms)',
      'empty loop p99',
      'loop max (ms)',
      'largest ping burst',
      'broadcast last (ms)',
      'server done (ms)',
      'delivered',
      'closed in hold',
    ],
    steps.map((step) => [
      step.kind,
      int(step.connections),
      int(step.acceptMs),
      int(step.rssPerConnection),
      int(step.heapPerConnection),
      int(step.rssPerConnectionAfterHold),
      step.kind === 'ws' ? fixed(step.rounds) : '–',
      step.kind === 'ws' ? fixed(step.cpuPerRoundMs) : '–',
      step.kind === 'ws' ? fixed(step.cpuPerPingMicros, 2) : '–',
      fixed(step.loopP99Ms),
      fixed(step.idleLoopP99Ms),
      fixed(step.loopMaxMs),
      step.kind === 'ws' ? `${fixed(step.largestPingBurst * 100)} %` : '–',
      fixed(step.broadcast.lastMs),
      fixed(step.broadcast.serverSettledMs ?? NaN),
      `${int(step.broadcast.delivered)}/${int(step.broadcast.serverOpen ?? step.broadcast.open)}`,
      int(step.lost),
    ]),
  );
}

export function clusterTable(cluster: ClusterResult): string[] {
  const lines = printTable(
    ['server', 'ws', 'sse', 'CPU for the broadcast (ms)', 'RSS/conn (B)', 'heap/conn (B)'],
    cluster.perProcess.map((p, i) => [String(i), int(p.ws), int(p.sse), fixed(p.cpuMs), int(p.rssPerConnection), int(p.heapPerConnection)]),
  );
  const b = cluster.broadcast;
  return [
    `${int(cluster.connections)} connections (${int(cluster.ws)} WebSocket, ${int(cluster.sse)} SSE) on ${cluster.processes} server processes, ${cluster.loadProcesses} load processes; accepted in ${int(cluster.acceptMs)} ms`,
    `one 64 B message published once through Redis: delivered to ${int(b.delivered)}/${int(b.serverOpen ?? b.open)}; first ${fixed(b.firstMs)} ms, p50 ${fixed(b.p50Ms)} ms, p99 ${fixed(b.p99Ms)} ms, last ${fixed(b.lastMs)} ms`,
    `Redis CPU: ${fixed(cluster.redisCpuMs)} ms for the broadcast, ${fixed(cluster.redisCpuOpenMs)} ms while the connections subscribed`,
    ...lines,
  ];
}

/** The fleet the projection is for, and what is assumed of it (stated in the output). */
export interface FleetAssumptions {
  connections: number;
  /** Cores and memory of one host; one server process per core. */
  coresPerHost: number;
  memoryPerHostGiB: number;
  /** Share of a host's memory the processes may use (the rest: kernel socket buffers, headroom). */
  memoryShare: number;
  /** Production heartbeat interval, ms. */
  heartbeatMs: number;
  /** Largest share of a core the heartbeat may take. */
  heartbeatCoreShare: number;
  /** Kernel memory per idle TCP socket, bytes (slab: socket, inode, file, dentry) when not measured. */
  kernelPerSocket: number;
  /** Longest a broadcast may take to reach a process's last connection, ms. */
  broadcastBudgetMs: number;
}

export const DEFAULT_FLEET: FleetAssumptions = {
  connections: 10_000_000,
  coresPerHost: 16,
  memoryPerHostGiB: 64,
  memoryShare: 0.7,
  heartbeatMs: 30_000,
  heartbeatCoreShare: 0.05,
  kernelPerSocket: 4096,
  broadcastBudgetMs: 1000,
};

export interface Projection {
  assumptions: FleetAssumptions;
  /** From the largest single-process WebSocket step. */
  basis: { connections: number; rssPerConnection: number; cpuPerPingMicros: number; broadcastPerConnectionMicros: number; kernelPerConnection: number };
  /** Bytes per connection the host pays: process RSS + kernel. */
  bytesPerConnection: number;
  /** Connections one process (one core) may hold by each bound, and the smallest. */
  perProcessByMemory: number;
  perProcessByHeartbeat: number;
  perProcessByBroadcast: number;
  connectionsPerProcess: number;
  bound: 'memory' | 'heartbeat' | 'broadcast';
  hosts: number;
  /** Cores all heartbeats of the fleet take at the production interval. */
  heartbeatCores: number;
  /** One broadcast to every connection: each process serves its own share in parallel. */
  broadcastMs: number;
  fleetMemoryGiB: number;
}

export function project(steps: StepResult[], fleet: FleetAssumptions = DEFAULT_FLEET): Projection | undefined {
  const ws = steps.filter((step) => step.kind === 'ws').sort((a, b) => b.connections - a.connections)[0];
  if (ws === undefined) return undefined;
  const measuredKernel = ws.kernelSlabPerConnection > 0 && ws.kernelSlabPerConnection < 64 * 1024 ? ws.kernelSlabPerConnection : NaN;
  const kernel = Number.isFinite(measuredKernel) ? measuredKernel : fleet.kernelPerSocket;
  const rss = Math.max(ws.rssPerConnection, ws.rssPerConnectionAfterHold);
  const perConnection = rss + kernel;
  const hostBytes = fleet.memoryPerHostGiB * 2 ** 30 * fleet.memoryShare;
  const byMemory = Math.floor(hostBytes / perConnection / fleet.coresPerHost);
  // Heartbeat: every connection pinged once per interval at the measured cost per ping (ping + pong, server side).
  const byHeartbeat = ws.cpuPerPingMicros > 0 ? Math.floor((fleet.heartbeatCoreShare * fleet.heartbeatMs * 1000) / ws.cpuPerPingMicros) : Infinity;
  // Per connection that got it: a heartbeat on a loaded machine may have dropped some before the broadcast.
  const broadcastPerConnectionMicros = (ws.broadcast.lastMs * 1000) / Math.max(1, ws.broadcast.delivered);
  const byBroadcast = broadcastPerConnectionMicros > 0 ? Math.floor((fleet.broadcastBudgetMs * 1000) / broadcastPerConnectionMicros) : Infinity;
  const perProcess = Math.min(byMemory, byHeartbeat, byBroadcast);
  const bound = perProcess === byMemory ? 'memory' : perProcess === byHeartbeat ? 'heartbeat' : 'broadcast';
  const hosts = Math.ceil(fleet.connections / (perProcess * fleet.coresPerHost));
  return {
    assumptions: fleet,
    basis: { connections: ws.connections, rssPerConnection: rss, cpuPerPingMicros: ws.cpuPerPingMicros, broadcastPerConnectionMicros, kernelPerConnection: kernel },
    bytesPerConnection: perConnection,
    perProcessByMemory: byMemory,
    perProcessByHeartbeat: byHeartbeat,
    perProcessByBroadcast: byBroadcast,
    connectionsPerProcess: perProcess,
    bound,
    hosts,
    heartbeatCores: (fleet.connections * ws.cpuPerPingMicros) / (fleet.heartbeatMs * 1000),
    broadcastMs: (Math.ceil(fleet.connections / (hosts * fleet.coresPerHost)) * broadcastPerConnectionMicros) / 1000,
    fleetMemoryGiB: (fleet.connections * perConnection) / 2 ** 30,
  };
}

export function projectionLines(p: Projection): string[] {
  const a = p.assumptions;
  const perProcessNow = Math.ceil(a.connections / (p.hosts * a.coresPerHost));
  return [
    `Projection to ${int(a.connections)} connections. Assumed: hosts of ${a.coresPerHost} cores and ${a.memoryPerHostGiB} GiB (${a.memoryShare * 100} % of it for connections), ` +
      `one server process per core, idle connections, heartbeat every ${a.heartbeatMs / 1000} s taking at most ${a.heartbeatCoreShare * 100} % of a core, ` +
      `a broadcast reaching a process's last connection within ${a.broadcastBudgetMs} ms, cost per connection as measured at ${int(p.basis.connections)} per process (flat, see the table).`,
    `  per connection: ${int(p.basis.rssPerConnection)} B process RSS + ${int(p.basis.kernelPerConnection)} B kernel = ${int(p.bytesPerConnection)} B → ${fixed(p.fleetMemoryGiB)} GiB for the fleet`,
    `  per process: ${int(p.perProcessByMemory)} by memory, ${int(p.perProcessByHeartbeat)} by heartbeat CPU (${fixed(p.basis.cpuPerPingMicros, 2)} µs per ping), ` +
      `${int(p.perProcessByBroadcast)} by broadcast time (${fixed(p.basis.broadcastPerConnectionMicros, 2)} µs per connection) → ${int(p.connectionsPerProcess)} (${p.bound}-bound)`,
    `  fleet: ${int(p.hosts)} hosts (${int(p.hosts * a.coresPerHost)} processes of ${int(perProcessNow)}; ulimit -n ≥ that plus a margin); ` +
      `heartbeats ${fixed(p.heartbeatCores, 2)} cores in all; one broadcast to all ~${int(p.broadcastMs)} ms after the backplane's hop`,
  ];
}

export function markdown(report: ScaleReport): string {
  const lines: string[] = [];
  lines.push('<!-- Generated by `npm run bench:scale` (bench/scale.ts) from docs/scale.json; do not edit by hand. -->');
  lines.push('# Scale: measured');
  lines.push('');
  lines.push(`${report.date}, ${report.machine.cpus} CPUs, load average ${report.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}, Node ${report.machine.node}. ${report.noisy}`);
  lines.push('');
  lines.push(`Command: \`${report.command}\`. Heartbeat scaled down to ${report.heartbeat.interval} ms / ${report.heartbeat.timeout} ms.`);
  lines.push('');
  lines.push('## One process');
  lines.push('');
  lines.push(...stepTable([...report.steps, ...(report.sse ? [report.sse] : [])]));
  lines.push(
    '',
    'Per connection: after `gc()`, against the server after a warm-up and before any connection (RSS includes what V8 keeps committed, so small steps are noisy). ' +
      'CPU per round and per ping: the server during the hold, less the empty server\'s own. Loop: `monitorEventLoopDelay` during the hold. ' +
      'Largest ping burst: the largest share of the connections pinged within 50 ms. Broadcast: publish to last delivery on the load side, one clock (CLOCK_MONOTONIC); ' +
      '"server done": publish until the server\'s loop turned after it. Closed in hold: connections the heartbeat dropped (a pong not read within the timeout).',
  );
  const largest = report.steps[report.steps.length - 1];
  if (largest !== undefined) lines.push('', '```', ...pingLines(largest, report.heartbeat.interval, report.heartbeat.timeout), '```');
  if (report.cluster) {
    lines.push('');
    lines.push('## Across processes, one RedisHub');
    lines.push('');
    const [head, message, redis, ...table] = clusterTable(report.cluster);
    lines.push(`${head}. ${message}. ${redis}.`, '', ...table);
  }
  if (report.projection) {
    lines.push('');
    lines.push('## Projection');
    lines.push('');
    lines.push(...projectionLines(report.projection).map((line) => line.replace(/^ {2}/, '- ')));
  }
  lines.push('');
  return lines.join('\n');
}
