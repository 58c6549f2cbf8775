// `node launch.js bun|deno|node <script.js> [args…]`: runs a compiled benchmark on that
// runtime (found by bench/runtimes/binaries.ts), for `npm run bench:bun` / `bench:deno`.
import { spawn } from 'node:child_process';
import { type Runtime, runtimeCommand } from './binaries.js';

const [runtime, script, ...rest] = process.argv.slice(2) as [Runtime, string, ...string[]];
const [file, args] = runtimeCommand(runtime, script, rest);
const child = spawn(file, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
