// `npm run bench:startup`: what importing the library's entry points costs on Node, Bun
// and Deno, each import in a fresh process (bench/runtimes/startup-probe.ts): median
// milliseconds, and the heap left after a forced collection. Given two builds (say, a
// copy of .bench-out from before a change, then this one), prints both and their ratio.
//   node .bench-out/bench/runtimes/startup.js [--runs=7] [<build src dir> ...]   (default .bench-out/src)
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO, type Runtime, findBinary, runtimeCommand } from './binaries.js';
import { median } from './ratios.js';

const ENTRIES = ['websocket/server.js', 'websocket/lean-server.js', 'sse/sse-handler.js', 'mount/index.js', 'index.js'];
const args = process.argv.slice(2);
const runs = Number(args.find((arg) => arg.startsWith('--runs='))?.slice(7) ?? 7);
const builds = args.filter((arg) => !arg.startsWith('--'));
if (builds.length === 0) builds.push(join(REPO, '.bench-out/src'));
const probe = fileURLToPath(new URL('./startup-probe.js', import.meta.url));
const runtimes = (['node', 'bun', 'deno'] as Runtime[]).filter((runtime) => runtime === 'node' || findBinary(runtime) !== undefined);

function measure(runtime: Runtime, file: string): { ms: number; heap: number } {
  const samples = Array.from({ length: runs }, () => {
    const [command, commandArgs] = runtimeCommand(runtime, probe, [file]);
    const output = execFileSync(command, commandArgs, { encoding: 'utf8' });
    const line = output.split('\n').find((text) => text.startsWith('@startup '));
    if (!line) throw new Error(`No measurement from ${runtime} for ${file}: ${output}`);
    return JSON.parse(line.slice('@startup '.length)) as { ms: number; heap: number };
  });
  return { ms: median(samples.map((sample) => sample.ms)), heap: median(samples.map((sample) => sample.heap)) };
}

const header = ['runtime', 'entry', ...builds.flatMap((_, i) => [`ms (${i + 1})`, `heap KiB (${i + 1})`]), ...(builds.length === 2 ? ['ms 2 ÷ 1', 'heap 2 ÷ 1'] : [])];
console.log(builds.map((build, i) => `(${i + 1}) ${resolve(build)}`).join('\n'));
console.log(`Median of ${runs} fresh processes each.\n`);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const runtime of runtimes) {
  for (const entry of ENTRIES) {
    const results = builds.map((build) => measure(runtime, resolve(build, entry)));
    const cells = results.flatMap((result) => [result.ms.toFixed(1), (result.heap / 1024).toFixed(0)]);
    if (results.length === 2) cells.push((results[1].ms / results[0].ms).toFixed(2) + '×', (results[1].heap / results[0].heap).toFixed(2) + '×');
    console.log(`| ${runtime} | ${entry} | ${cells.join(' | ')} |`);
  }
}
