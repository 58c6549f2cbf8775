// Turns the soak's samples into a verdict and a chart. The chart is drawn from the
// sample file alone (no number typed by hand), so it can be redrawn at any time:
//   node .bench-out/bench/soak-report.js <samples.json> [chart.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SoakSample } from './soak-server.js';

export interface SoakEvent {
  /** ms on the server's clock (the samples' `at`). */
  at: number;
  what: string;
}

export interface SoakResult {
  options: Record<string, unknown>;
  samples: SoakSample[];
  events: SoakEvent[];
  counts: Record<string, number>;
  /** Server clock when the load began to stop: later samples are the shutdown, not judged. */
  measuredUntil: number;
}

export interface Growth {
  metric: 'heapUsed' | 'rss';
  /** Median of the samples in the second quarter of the run (after warm-up) and in the last quarter. */
  secondQuarterMedian: number;
  lastQuarterMedian: number;
  ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The first quarter is warm-up; the second is the baseline the last one is compared with. */
export function growth(samples: readonly SoakSample[], metric: Growth['metric']): Growth {
  const end = samples[samples.length - 1].at;
  const inQuarter = (q: number): number[] => samples.filter((s) => s.at >= (end * q) / 4 && s.at <= (end * (q + 1)) / 4).map((s) => s[metric]);
  const secondQuarterMedian = median(inQuarter(1));
  const lastQuarterMedian = median(inQuarter(3));
  return { metric, secondQuarterMedian, lastQuarterMedian, ratio: lastQuarterMedian / secondQuarterMedian };
}

const MiB = 2 ** 20;

/** Heap used and RSS (MiB), and open connections, against minutes; restarts as vertical lines. */
export function renderSvg(result: SoakResult): string {
  const width = 900;
  const height = 420;
  const left = 70;
  const right = 70;
  const top = 40;
  const bottom = 50;
  const { samples, events } = result;
  const tMax = Math.max(samples[samples.length - 1].at, 1);
  const mMax = Math.max(...samples.map((s) => s.rss)) / MiB;
  const mTop = niceCeiling(mMax);
  const cMax = niceCeiling(Math.max(1, ...samples.map((s) => s.connections)));
  const x = (at: number): number => left + ((width - left - right) * at) / tMax;
  const yMem = (bytes: number): number => top + (height - top - bottom) * (1 - bytes / MiB / mTop);
  const yConn = (n: number): number => top + (height - top - bottom) * (1 - n / cMax);
  const line = (points: Array<[number, number]>, color: string, dash = ''): string =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  const opts = result.options;
  parts.push(`<text x="${left}" y="20" font-size="14">Soak: ${String(opts.connections)} connections churning, ${String(opts.minutes)} min, Redis restarted ${events.filter((e) => e.what.startsWith('redis killed')).length}× — server heap and RSS</text>`);
  for (const metric of ['heapUsed', 'rss'] as const) {
    const g = growth(samples.filter((s) => s.at <= result.measuredUntil), metric);
    parts.push(`<text x="${width - right}" y="${metric === 'rss' ? 20 : 34}" text-anchor="end" font-size="11">${metric === 'rss' ? 'RSS' : 'heap'}: last quarter / second quarter = ${g.ratio.toFixed(3)}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const value = (mTop * i) / 4;
    const py = yMem(value * MiB);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${py}" y2="${py}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${py + 4}" text-anchor="end">${value.toFixed(0)} MiB</text>`);
    parts.push(`<text x="${width - right + 6}" y="${yConn((cMax * i) / 4) + 4}" fill="#888">${Math.round((cMax * i) / 4)}</text>`);
  }
  const minutes = tMax / 60_000;
  const step = minutes <= 2 ? 0.25 : minutes <= 15 ? 1 : 5;
  for (let m = 0; m <= minutes + 1e-9; m += step) {
    const px = x(m * 60_000);
    parts.push(`<text x="${px}" y="${height - bottom + 18}" text-anchor="middle">${Number(m.toFixed(2))}</text>`);
  }
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">minutes</text>`);
  events.forEach((event, i) => {
    const px = x(event.at);
    parts.push(`<line x1="${px}" x2="${px}" y1="${top}" y2="${height - bottom}" stroke="#c33" stroke-dasharray="4 3"/>`);
    // Labels step down in turn, so that a kill and the restart just after it do not overlap.
    parts.push(`<text x="${px + 3}" y="${top + 12 + (i % 2) * 12}" fill="#c33" font-size="10">${escapeXml(event.what)}</text>`);
  });
  parts.push(line(samples.map((s) => [x(s.at), yConn(s.connections)]), '#999', '3 3'));
  parts.push(line(samples.map((s) => [x(s.at), yMem(s.rss)]), '#1f77b4'));
  parts.push(line(samples.map((s) => [x(s.at), yMem(s.heapUsed)]), '#2ca02c'));
  const legend: Array<[string, string]> = [
    ['#1f77b4', 'RSS'],
    ['#2ca02c', 'heap used (after GC)'],
    ['#999', 'open connections (right axis)'],
  ];
  legend.forEach(([color, label], i) => {
    const ly = top + 24 + i * 16;
    parts.push(`<line x1="${left + 10}" x2="${left + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${left + 36}" y="${ly + 4}">${label}</text>`);
  });
  parts.push(`<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="none" stroke="#333"/>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

export function toCsv(samples: readonly SoakSample[]): string {
  const columns = ['at', 'heapUsed', 'heapTotal', 'rss', 'external', 'arrayBuffers', 'connections', 'sessions', 'sharedSubscriptions', 'redisErrors'] as const;
  return `${columns.join(',')}\n${samples.map((s) => columns.map((c) => (c === 'at' ? Math.round(s.at) : s[c])).join(',')).join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  if (input === undefined) throw new Error('usage: soak-report.js <samples.json> [chart.svg]');
  const result = JSON.parse(readFileSync(input, 'utf8')) as SoakResult;
  writeFileSync(output ?? input.replace(/\.json$/, '.svg'), renderSvg(result));
  for (const metric of ['heapUsed', 'rss'] as const) {
    const g = growth(result.samples.filter((s) => s.at <= result.measuredUntil), metric);
    console.log(`${metric}: median ${(g.secondQuarterMedian / MiB).toFixed(1)} MiB (2nd quarter) → ${(g.lastQuarterMedian / MiB).toFixed(1)} MiB (last quarter), ratio ${g.ratio.toFixed(3)}`);
  }
}
