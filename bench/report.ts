import { Bench } from 'tinybench';

/** One row of a side-by-side comparison: the same work done by Switchboard and by a peer. */
export interface Pair {
  name: string;
  /** How many operations one call of each function performs (batching keeps timer noise out). */
  batch: number;
  /** Bytes one operation moves, to print MB/s; 0 to leave it out. */
  bytes: number;
  ours: () => void;
  theirs: () => void;
}

export interface Row {
  name: string;
  ours: number;
  theirs: number;
  ratio: number;
  bytes: number;
}

/** Runs every pair with tinybench, interleaved in one process, and returns ops/s for each side. */
export async function compare(pairs: Pair[], peer: string, time = 700): Promise<Row[]> {
  const bench = new Bench({ time, warmupTime: 200 });
  for (const pair of pairs) {
    bench.add(`${pair.name} | switchboard`, pair.ours);
    bench.add(`${pair.name} | ${peer}`, pair.theirs);
  }
  await bench.run();
  const opsPerSecond = (name: string, batch: number): number => {
    const task = bench.getTask(name);
    const result = task?.result;
    if (!result || !('period' in result)) throw new Error(`Benchmark ${name} did not complete`);
    return (batch * 1000) / result.period;
  };
  return pairs.map((pair) => {
    const ours = opsPerSecond(`${pair.name} | switchboard`, pair.batch);
    const theirs = opsPerSecond(`${pair.name} | ${peer}`, pair.batch);
    return { name: pair.name, ours, theirs, ratio: ours / theirs, bytes: pair.bytes };
  });
}

export function printTable(title: string, peer: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const header = ['benchmark', 'switchboard ops/s', `${peer} ops/s`, 'ratio', 'switchboard MB/s', `${peer} MB/s`];
  const lines = rows.map((row) => [
    row.name,
    format(row.ours),
    format(row.theirs),
    `${row.ratio.toFixed(2)}×`,
    row.bytes ? format((row.ours * row.bytes) / 1e6) : '',
    row.bytes ? format((row.theirs * row.bytes) / 1e6) : '',
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...lines.map((line) => line[i].length)));
  const show = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(show(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of lines) console.log(show(line));
}

function format(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}
