// Where the bun and deno executables are: env BUN / DENO, else the repo's
// node_modules/.bin (the `bun` and `deno` npm packages), else PATH, else /work/rt.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Runtime = 'node' | 'bun' | 'deno';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export function findBinary(name: 'bun' | 'deno'): string | undefined {
  const fromEnv = process.env[name.toUpperCase()];
  const candidates = [
    ...(fromEnv ? [fromEnv] : []),
    join(REPO, 'node_modules', '.bin', name),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name)),
    join('/work/rt/node_modules/.bin', name),
  ];
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The command line that runs `script` (compiled JavaScript) on `runtime`, with a way to force garbage collection. */
export function runtimeCommand(runtime: Runtime, script: string, args: string[] = [], profileDir?: string): [string, string[]] {
  // CPU profiles: .cpuprofile from Node and Bun (Bun adds a Markdown summary), V8's tick log from Deno
  // (isolate-*.log in the working directory; read it with `node --prof-process`).
  const nodeProfile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (runtime === 'node') return [process.execPath, ['--expose-gc', ...nodeProfile, script, ...args]];
  const binary = findBinary(runtime);
  if (binary === undefined) throw new Error(`No ${runtime} binary found: set ${runtime.toUpperCase()}=/path/to/${runtime}, or npm install ${runtime}`);
  // Bun has Bun.gc(); Deno gets V8's gc() as Node does.
  if (runtime === 'bun') return [binary, [...nodeProfile, ...(profileDir ? ['--cpu-prof-md'] : []), script, ...args]];
  return [binary, ['run', '-A', `--v8-flags=--expose-gc${profileDir ? ',--prof' : ''}`, script, ...args]];
}
