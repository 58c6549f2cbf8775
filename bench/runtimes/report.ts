// Markdown tables for docs from the JSON that `npm run bench:runtimes -- --json=<file>` writes:
//   node .bench-out/bench/runtimes/report.js <file>
// Medians over the rounds; memory in KiB per connection. Ratios (ratios.ts): the median of each round's throughput a ÷ b, memory
// b ÷ a, so above 1× always means switchboard does better than the server it is set against.
import { readFileSync } from 'node:fs';
import { formatPairedRatio, median } from './ratios.js';

interface Output {
  date: string;
  cpus: number;
  pinned?: string;
  versions: Record<string, string>;
  rows: Array<{
    name: string;
    unit: string;
    higherIsBetter: boolean;
    values: Record<string, number[]>;
    perServerCpuSecond?: Record<string, number[]>;
  }>;
}

const COLUMNS: Array<[string, string]> = [
  ['node:switchboard', 'switchboard on Node'],
  ['node:ws', 'ws on Node'],
  ['node:floor', 'Node node:http floor'],
  ['node:msgfloor', 'Node message floor'],
  ['bun:switchboard', 'switchboard on Bun'],
  ['bun:native', 'Bun.serve'],
  ['bun:floor', 'Bun node:http floor'],
  ['bun:msgfloor', 'Bun message floor'],
  ['deno:switchboard', 'switchboard on Deno'],
  ['deno:native', 'Deno.serve'],
  ['deno:floor', 'Deno node:http floor'],
  ['deno:msgfloor', 'Deno message floor'],
];
const RATIOS: Array<[string, string, string]> = [
  ['Bun: sb ÷ Bun.serve', 'bun:switchboard', 'bun:native'],
  ['Bun: floor ÷ Bun.serve', 'bun:floor', 'bun:native'],
  ['Bun: message floor ÷ Bun.serve', 'bun:msgfloor', 'bun:native'],
  ['Deno: sb ÷ Deno.serve', 'deno:switchboard', 'deno:native'],
  ['Deno: floor ÷ Deno.serve', 'deno:floor', 'deno:native'],
  ['Deno: message floor ÷ Deno.serve', 'deno:msgfloor', 'deno:native'],
  ['sb on Bun ÷ sb on Node', 'bun:switchboard', 'node:switchboard'],
  ['sb on Deno ÷ sb on Node', 'deno:switchboard', 'node:switchboard'],
  ['Bun floor ÷ Node floor', 'bun:floor', 'node:floor'],
  ['Deno floor ÷ Node floor', 'deno:floor', 'node:floor'],
];

/** The median of a server's rounds, or undefined when it has none. */
function medianOf(values: number[] | undefined): number | undefined {
  return values && values.length > 0 ? median(values) : undefined;
}

function format(value: number | undefined, unit: string): string {
  if (value === undefined) return '–';
  if (unit === 'bytes') return `${(value / 1024).toFixed(1)} KiB`;
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function table(header: string[], lines: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...lines.map((line) => `| ${line.join(' | ')} |`)].join('\n');
}

const output = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Output;
// ws has no SSE side (older runs measured the bare node:http stream under its name: the floor's).
for (const row of output.rows) if (row.name.startsWith('SSE')) delete row.values['node:ws'];
const columns = COLUMNS.filter(([key]) => output.rows.some((row) => (row.values[key]?.length ?? 0) > 0));
const rounds = Math.max(...output.rows.flatMap((row) => Object.values(row.values).map((values) => values.length)));
console.log(
  `Taken ${output.date} on ${output.cpus} cores${output.pinned ? ` (${output.pinned})` : ''}; ${Object.values(output.versions).join(', ')}; median of ${rounds} round(s).\n`,
);
console.log(
  table(
    ['row', ...columns.map(([, name]) => name)],
    output.rows.map((row) => [row.unit === 'bytes' ? row.name : `${row.name} (${row.unit})`, ...columns.map(([key]) => format(medianOf(row.values[key]), row.unit))]),
  ),
);
const cpuRows = output.rows.filter((row) => row.perServerCpuSecond && Object.values(row.perServerCpuSecond).some((values) => values.length > 0));
if (cpuRows.length > 0) {
  console.log('\nMessages per second of server CPU time (echo and broadcast):\n');
  console.log(
    table(
      ['row', ...columns.map(([, name]) => name)],
      cpuRows.map((row) => [row.name, ...columns.map(([key]) => format(medianOf(row.perServerCpuSecond![key]), row.unit))]),
    ),
  );
}
console.log("\nRatios, the median of each round's ratio (above 1× is better for the first; memory inverted):\n");
const ratio = (row: Output['rows'][number], a: string, b: string): string => formatPairedRatio(row.values[a], row.values[b], row.higherIsBetter);
console.log(table(['row', ...RATIOS.map(([name]) => name)], output.rows.map((row) => [row.name, ...RATIOS.map(([, a, b]) => ratio(row, a, b))])));
