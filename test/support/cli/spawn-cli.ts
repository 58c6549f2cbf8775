import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built entry point, as `npm start` and the `switchboard` bin run it. */
export const MAIN = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

export interface SpawnedCli {
  child: ChildProcess;
  /** Resolves with the first URL the command prints (it prints one once it listens). */
  url: Promise<string>;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exit: Promise<number | string>;
  output(): string;
}

/** Runs `node dist/cli/main.js <args>` (or Bun or Deno, whichever runs the tests) with its output collected. */
export function spawnCli(args: string[], env: Record<string, string> = {}): SpawnedCli {
  // Under `npm run test:deno` the runtime is Deno, whose scripts need `run -A` for sockets and files.
  return spawnCliWith(process.versions.deno !== undefined ? [process.execPath, 'run', '-A'] : [process.execPath], args, env);
}

/** Runs the built command under a runtime of its own: `[bun]` or `[deno, 'run', '-A']`, say. */
export function spawnCliWith(runtime: string[], args: string[], env: Record<string, string> = {}): SpawnedCli {
  const [command, ...options] = runtime;
  const child = spawn(command!, [...options, MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const found = /\b(?:ws|http):\/\/[^\s:]+:\d+/.exec(output);
      if (found) resolve(found[0]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => reject(new Error(`exited before printing a URL:\n${output}`)));
  });
  url.catch(() => {});
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, url, exit, output: () => output };
}
