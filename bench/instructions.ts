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
// `<build dir>#lean` with the lean face (LeanWebSocketServer's handlers); `<build dir>#msgfloor`
// counts the message floor (bench/message-floor.ts) instead: no library, the least a message API does.
// `--size=1048576 --read=65536`: messages of that size arriving in reads of that size;
// `--runtime=bun` or `--runtime=deno`: the workload on that runtime (bench/runtimes/binaries.ts).
// Bun compiles on threads of its own, so its counts repeat less closely than Node's.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { messagesPerTurn } from './instructions-echo.js';
import { type Runtime, findBinary } from './runtimes/binaries.js';

const SHORT_TURNS = 10;
const worker = fileURLToPath(new URL('./instructions-echo.js', import.meta.url));

interface Workload {
  runtime: Runtime;
  size: number;
  read: number | undefined;
}

function command(runtime: Runtime): string[] {
  if (runtime === 'node') return [process.execPath, '--single-threaded'];
  const binary = findBinary(runtime);
  if (binary === undefined) throw new Error(`No ${runtime} binary: npm ci installs it, or set ${runtime.toUpperCase()}`);
  return runtime === 'bun' ? [binary] : [binary, 'run', '-A', '--v8-flags=--single-threaded'];
}

/** Instructions valgrind counted for one run of the workload. */
function count(dir: string, turns: number, workload: Workload): Promise<number> {
  const sizeArgs = [String(workload.size), ...(workload.read === undefined ? [] : [String(workload.read)])];
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...command(workload.runtime), worker, dir, String(turns), ...sizeArgs];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { maxBuffer: 1 << 24 }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`valgrind failed for ${dir}: ${error.message}\n${stderr}`));
      const collected = /Collected : (\d+)/.exec(stderr);
      if (!collected) return reject(new Error(`No instruction count in valgrind's output for ${dir}`));
      resolve(Number(collected[1]));
    });
  });
}

async function perMessage(dir: string, turns: number, workload: Workload): Promise<number> {
  // The two runs of one build share the machine's two cores.
  const [short, long] = await Promise.all([count(dir, SHORT_TURNS, workload), count(dir, turns, workload)]);
  return (long - short) / ((turns - SHORT_TURNS) * messagesPerTurn(workload.size));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const turns = Number(option('turns') ?? 5010);
  const read = option('read');
  const workload: Workload = { runtime: (option('runtime') ?? 'node') as Runtime, size: Number(option('size') ?? 32), read: read === undefined ? undefined : Number(read) };
  const dirs = args.filter((arg) => !arg.startsWith('--'));
  if (dirs.length === 0) dirs.push(fileURLToPath(new URL('../src', import.meta.url)));
  const reads = workload.read === undefined ? '' : ` in reads of ${workload.read} bytes`;
  console.log(`Instructions per echoed ${workload.size}-byte message on ${workload.runtime} (callgrind; ${turns - SHORT_TURNS} turns of ${messagesPerTurn(workload.size)} messages${reads})`);
  console.log('| build | instructions per message | vs the first |');
  console.log('|---|---:|---:|');
  let reference = 0;
  for (const dir of dirs) {
    const instructions = await perMessage(dir, turns, workload);
    reference ||= instructions;
    console.log(`| ${dir} | ${Math.round(instructions).toLocaleString('en-US')} | ${(instructions / reference).toFixed(3)}× |`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && /ENOENT/.test(error.message)) console.error('valgrind is needed: apt-get install valgrind');
  process.exitCode = 1;
});
