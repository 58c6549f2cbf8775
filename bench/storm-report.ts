// The numbers and the chart of `npm run bench:storm`, computed from the result file
// alone (no number typed by hand), so the chart can be redrawn at any time:
//   node .bench-out/bench/storm-report.js <result.json> [chart.svg]
// Also the pure replay: each policy's Backoff for N independent clients, no I/O.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Backoff, type JitterPolicy } from '../src/protocol/reconnect/backoff.js';
// Seeded, so that a replay is reproducible.
import { seeded } from '../test/support/sse/chaos.js';
import { escapeXml, niceCeiling } from './soak-report.js';

export const BIN_MS = 100;

/** What one policy's storm (or its replay) comes to, all times in ms since the kill. */
export interface StormSummary {
  /** Attempts per 100 ms bin. Measured: as the clients' backoff scheduled them. */
  attemptsPerBin: number[];
  /** Completed handshakes per bin (measured: on the server). */
  handshakesPerBin: number[];
  failedAttempts: number;
  /** ms since the kill at which 50 / 99 / 100 % of the clients were back (handshake) and resumed (subscribe seen). */
  back: Percentiles;
  resumed: Percentiles;
  peakAttemptsPer100ms: number;
  /** The herd the restarted server meets: most attempts in a 100 ms bin once it listens. */
  peakAttemptsAfterRestartPer100ms: number;
  peakHandshakesPer100ms: number;
}

export interface Percentiles {
  p50: number | null;
  p99: number | null;
  p100: number | null;
}

export interface MeasuredPolicy {
  jitter: JitterPolicy;
  label: string;
  clients: number;
  /** Epoch ms of the SIGKILL and of the restarted server's listen. */
  killedAt: number;
  listeningAt: number;
  measured: StormSummary & {
    acceptsPerBin: number[];
    /** Server CPU per bin, % of one core. */
    cpuPerBin: number[];
    cpuPeakPercent: number;
    /** Mean server CPU from its listen until the last client resumed, % of one core. */
    cpuMeanPercent: number;
    listenDrops: number;
    listenOverflows: number;
    /** Clients that were not back when the storm's time ran out. */
    missing: number;
    clientLoopDelayP99Ms: number;
    clientLoopDelayMaxMs: number;
  };
  /** The policy alone, no I/O; null for a graceful restart (its clients wait the server's hint, not the backoff). */
  replay: StormSummary | null;
  /** Drained rather than killed: 0 is when the drain began. */
  graceful: boolean;
}

/** The policy alone over a range of outage lengths (replay, no I/O). */
export interface SweepRow {
  label: string;
  downMs: number;
  back: Percentiles;
  failedAttemptsPerClient: number;
  peakAttemptsAfterRestartPer100ms: number;
}

export interface StormResult {
  options: Record<string, unknown>;
  machine: Record<string, unknown>;
  policies: MeasuredPolicy[];
  sweep: SweepRow[];
}

/** Most events in one bin from `fromMs` on (the last bin, the overflow, excluded). */
export function peakFrom(perBin: readonly number[], fromMs: number): number {
  return Math.max(0, ...perBin.slice(Math.floor(fromMs / BIN_MS), -1));
}

/** Counts of `times` (ms since zero) per bin over `bins` bins; later ones go in the last bin. */
export function histogram(times: readonly number[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const t of times) if (t >= 0) counts[Math.min(bins - 1, Math.floor(t / BIN_MS))]++;
  return counts;
}

/** The time by which `fraction` of `total` events had happened, or null if they never did. */
export function timeToFraction(sorted: readonly number[], total: number, fraction: number): number | null {
  const needed = Math.ceil(total * fraction);
  return needed <= sorted.length && needed > 0 ? sorted[needed - 1] : null;
}

export function percentiles(times: readonly number[], total: number): Percentiles {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: timeToFraction(sorted, total, 0.5), p99: timeToFraction(sorted, total, 0.99), p100: timeToFraction(sorted, total, 1) };
}

/**
 * The policy alone: `clients` Backoffs all dropped at 0 by a server that is back at
 * `downMs`. An attempt before then fails at once (connection refused); the first at or
 * after it succeeds, with no limit on how many the server takes at a time.
 */
export function replay(jitter: JitterPolicy, clients: number, downMs: number, bins: number, seed = 1): StormSummary {
  const random = seeded(seed);
  const attempts: number[] = [];
  const successes: number[] = [];
  let failedAttempts = 0;
  for (let i = 0; i < clients; i++) {
    const backoff = new Backoff({ jitter }, random);
    let t = 0;
    for (;;) {
      t += backoff.next(t);
      attempts.push(t);
      if (t >= downMs) break;
      failedAttempts++;
    }
    successes.push(t);
  }
  const attemptsPerBin = histogram(attempts, bins);
  const handshakesPerBin = histogram(successes, bins);
  const back = percentiles(successes, clients);
  return {
    attemptsPerBin,
    handshakesPerBin,
    failedAttempts,
    back,
    resumed: back,
    peakAttemptsPer100ms: peakFrom(attemptsPerBin, 0),
    peakAttemptsAfterRestartPer100ms: peakFrom(attemptsPerBin, downMs),
    peakHandshakesPer100ms: peakFrom(handshakesPerBin, 0),
  };
}

/** `replay` for each outage length in `downtimesMs`, long enough a window for the slowest. */
export function sweep(label: string, jitter: JitterPolicy, clients: number, downtimesMs: readonly number[]): SweepRow[] {
  return downtimesMs.map((downMs) => {
    const bins = Math.ceil((downMs * 4 + 130_000) / BIN_MS);
    const r = replay(jitter, clients, downMs, bins, 99);
    return { label, downMs, back: r.back, failedAttemptsPerClient: r.failedAttempts / clients, peakAttemptsAfterRestartPer100ms: r.peakAttemptsAfterRestartPer100ms };
  });
}

const COLORS = { attempts: '#d62728', handshakes: '#1f77b4', replay: '#555', cpu: '#2ca02c' };

const seconds = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`);

/** One panel per policy: handshakes per 100 ms (bars), attempts (line), the replay's attempts (dashed), server CPU (right axis). */
export function renderSvg(result: StormResult): string {
  const width = 1180;
  const panelHeight = 230;
  const left = 60;
  const right = 60;
  const top = 50;
  const gap = 60;
  const height = top + result.policies.length * (panelHeight + gap);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  const first = result.policies.find((p) => !p.graceful) ?? result.policies[0];
  const downS = first === undefined ? 0 : (first.listeningAt - first.killedAt) / 1000;
  parts.push(
    `<text x="${left}" y="20" font-size="14">Reconnect storm: ${String(result.options.clients)} ReconnectingWebSocket (or universal) clients, server SIGKILLed at 0 and listening again ~${downS.toFixed(1)} s later (graceful: drained, then the same)</text>`,
  );
  parts.push(`<text x="${left}" y="38" font-size="11" fill="#444">per 100 ms: bars = handshakes completed (server), red = attempts (clients' backoff), dashed = replay of the policy alone (no I/O), green = server CPU (% of a core, right axis)</text>`);
  // One time axis for all panels: up to the last event worth showing.
  const lastMs = Math.max(
    4000,
    ...result.policies.map((p) => Math.max(p.measured.resumed.p100 ?? p.measured.back.p99 ?? 0, p.replay?.back.p100 ?? 0)),
  );
  const tMax = Math.ceil((lastMs + 500) / 1000) * 1000;
  const bins = tMax / BIN_MS;
  const x = (ms: number): number => left + ((width - left - right) * ms) / tMax;
  result.policies.forEach((policy, index) => {
    const y0 = top + index * (panelHeight + gap) + 20;
    const m = policy.measured;
    const r = policy.replay;
    const yMax = niceCeiling(Math.max(1, ...m.attemptsPerBin.slice(0, bins), ...m.handshakesPerBin.slice(0, bins), ...(r?.attemptsPerBin.slice(0, bins) ?? [])));
    const y = (count: number): number => y0 + panelHeight * (1 - Math.min(count, yMax) / yMax);
    const yCpu = (percent: number): number => y0 + panelHeight * (1 - Math.min(percent, 100) / 100);
    parts.push(
      `<text x="${left}" y="${y0 - 8}" font-size="12" font-weight="bold">${escapeXml(policy.label)}</text>` +
        `<text x="${left + 150}" y="${y0 - 8}" font-size="11">back (50/99/100 %): ${seconds(m.back.p50)} / ${seconds(m.back.p99)} / ${seconds(m.back.p100)}; ` +
        `resumed 100 %: ${seconds(m.resumed.p100)}; failed attempts ${m.failedAttempts}; peak ${m.peakAttemptsPer100ms} attempts/100 ms; ` +
        `listen drops ${m.listenDrops}; CPU peak ${m.cpuPeakPercent.toFixed(0)} %</text>`,
    );
    for (let i = 0; i <= 4; i++) {
      const value = (yMax * i) / 4;
      const py = y(value);
      parts.push(`<line x1="${left}" x2="${width - right}" y1="${py}" y2="${py}" stroke="#eee"/>`);
      parts.push(`<text x="${left - 6}" y="${py + 4}" text-anchor="end" font-size="10">${Math.round(value)}</text>`);
      parts.push(`<text x="${width - right + 6}" y="${yCpu(25 * i) + 4}" font-size="10" fill="${COLORS.cpu}">${25 * i} %</text>`);
    }
    const barWidth = Math.max(1, x(BIN_MS) - x(0) - 0.5);
    m.handshakesPerBin.slice(0, bins).forEach((count, bin) => {
      if (count > 0) parts.push(`<rect x="${x(bin * BIN_MS).toFixed(1)}" y="${y(count).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y0 + panelHeight - y(count)).toFixed(1)}" fill="${COLORS.handshakes}" opacity="0.8"/>`);
    });
    const steps = (counts: readonly number[]): Array<[number, number]> => counts.slice(0, bins).map((count, bin) => [x((bin + 0.5) * BIN_MS), y(count)]);
    parts.push(polyline(steps(m.attemptsPerBin), COLORS.attempts));
    if (r !== null) parts.push(polyline(steps(r.attemptsPerBin), COLORS.replay, '4 3'));
    parts.push(polyline(m.cpuPerBin.slice(0, bins).map((percent, bin) => [x((bin + 0.5) * BIN_MS), yCpu(percent)]), COLORS.cpu));
    const listenX = x(policy.listeningAt - policy.killedAt);
    parts.push(`<line x1="${listenX}" x2="${listenX}" y1="${y0}" y2="${y0 + panelHeight}" stroke="#999" stroke-dasharray="2 2"/>`);
    parts.push(`<text x="${listenX + 3}" y="${y0 + 12}" font-size="10" fill="#666">listening</text>`);
    for (let s = 0; s <= tMax / 1000; s += tMax <= 20_000 ? 1 : 5) {
      parts.push(`<text x="${x(s * 1000)}" y="${y0 + panelHeight + 14}" text-anchor="middle" font-size="10">${s}</text>`);
    }
    parts.push(`<text x="${width - right}" y="${y0 + panelHeight + 28}" text-anchor="end" font-size="10">${policy.graceful ? 's since the drain began (1012 closes over the window, SIGKILL after it)' : 's since SIGKILL'}</text>`);
    parts.push(`<rect x="${left}" y="${y0}" width="${width - left - right}" height="${panelHeight}" fill="none" stroke="#333"/>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function polyline(points: Array<[number, number]>, color: string, dash = ''): string {
  return `<polyline fill="none" stroke="${color}" stroke-width="1.2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`;
}

/** The table printed by the benchmark and pasted, as printed, into docs/scaling.md. */
export function table(result: StormResult): string {
  const rows = [
    '| policy | | peak attempts / 100 ms (once listening) | failed attempts | 50 % back | 99 % back | 100 % back | 100 % resumed | listen drops | server CPU peak / mean | client loop delay p99 / max |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of result.policies) {
    const m = p.measured;
    rows.push(
      `| ${p.label} | measured | ${m.peakAttemptsPer100ms} (${m.peakAttemptsAfterRestartPer100ms}) | ${m.failedAttempts} | ${seconds(m.back.p50)} | ${seconds(m.back.p99)} | ${seconds(m.back.p100)} | ${seconds(m.resumed.p100)} | ${m.listenDrops} | ${m.cpuPeakPercent.toFixed(0)} % / ${m.cpuMeanPercent.toFixed(0)} % | ${m.clientLoopDelayP99Ms.toFixed(0)} / ${m.clientLoopDelayMaxMs.toFixed(0)} ms |`,
    );
    const r = p.replay;
    if (r !== null) rows.push(`| ${p.label} | replay | ${r.peakAttemptsPer100ms} (${r.peakAttemptsAfterRestartPer100ms}) | ${r.failedAttempts} | ${seconds(r.back.p50)} | ${seconds(r.back.p99)} | ${seconds(r.back.p100)} | | | | |`);
  }
  return rows.join('\n');
}

/** The replay sweep: how long after the server is back each policy brings its clients back. */
export function sweepTable(rows: readonly SweepRow[]): string {
  const after = (ms: number | null, downMs: number): string => (ms === null ? 'never' : `+${((ms - downMs) / 1000).toFixed(2)} s`);
  const lines = [
    '| outage | policy | 50 % back | 99 % back | 100 % back | failed attempts per client | peak attempts / 100 ms once back |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.downMs / 1000} s | ${row.label} | ${after(row.back.p50, row.downMs)} | ${after(row.back.p99, row.downMs)} | ${after(row.back.p100, row.downMs)} | ${row.failedAttemptsPerClient.toFixed(2)} | ${row.peakAttemptsAfterRestartPer100ms} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  if (input === undefined) throw new Error('usage: storm-report.js <result.json> [chart.svg]');
  const result = JSON.parse(readFileSync(input, 'utf8')) as StormResult;
  writeFileSync(output ?? input.replace(/\.json$/, '.svg'), renderSvg(result));
  console.log(`${table(result)}\n\n${sweepTable(result.sweep)}`);
}
