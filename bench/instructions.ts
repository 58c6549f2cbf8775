// `npm run bench:instructions`: machine instructions per echoed message, counted by
// valgrind's callgrind rather than timed, so the figure repeats from run to run
// whatever else the machine is doing (wall-clock benchmarks here swing by ±15 %).
// Each build runs the workload of instructions-echo.ts twice, for a few turns and for
// many; the difference divided by the extra messages leaves out start-up and
// compilation. Several builds are counted side by side, the first as the reference:
//   npm run bench:instructions -- [--turns=5010] [<build dir> ...]
// A build dir holds the compiled sources (default `.bench-out/src`); for the code of
// another commit: `git worktree add /tmp/before <commit>`, build it there
// (`npx tsc -p bench/tsconfig.json`), and pass `/tmp/before/.bench-out/src .bench-out/src`.
// `<build dir>#traced` counts the same build with the connection's wire trace on;
// `<build dir>#lean` with the lean face (LeanWebSocketServer's handlers).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MESSAGES_PER_TURN } from './instructions-echo.js';

const SHORT_TURNS = 10;
const worker = fileURLToPath(new URL('./instructions-echo.js', import.meta.url));

/** Instructions valgrind counted for one run of the workload. */
function count(dir: string, turns: number): Promise<number> {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', worker, dir, String(turns)];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { maxBuffer: 1 << 24 }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`valgrind failed for ${dir}: ${error.message}\n${stderr}`));
      const collected = /Collected : (\d+)/.exec(stderr);
      if (!collected) return reject(new Error(`No instruction count in valgrind's output for ${dir}`));
      resolve(Number(collected[1]));
    });
  });
}

async function perMessage(dir: string, turns: number): Promise<number> {
  // The two runs of one build share the machine's two cores.
  const [short, long] = await Promise.all([count(dir, SHORT_TURNS), count(dir, turns)]);
  return (long - short) / ((turns - SHORT_TURNS) * MESSAGES_PER_TURN);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const turns = Number(args.find((arg) => arg.startsWith('--turns='))?.slice('--turns='.length) ?? 5010);
  const dirs = args.filter((arg) => !arg.startsWith('--'));
  if (dirs.length === 0) dirs.push(fileURLToPath(new URL('../src', import.meta.url)));
  console.log(`Instructions per echoed 32-byte message (callgrind; ${turns - SHORT_TURNS} turns of ${MESSAGES_PER_TURN} messages)`);
  console.log('| build | instructions per message | vs the first |');
  console.log('|---|---:|---:|');
  let reference = 0;
  for (const dir of dirs) {
    const instructions = await perMessage(dir, turns);
    reference ||= instructions;
    console.log(`| ${dir} | ${Math.round(instructions).toLocaleString('en-US')} | ${(instructions / reference).toFixed(3)}× |`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && /ENOENT/.test(error.message)) console.error('valgrind is needed: apt-get install valgrind');
  process.exitCode = 1;
});
