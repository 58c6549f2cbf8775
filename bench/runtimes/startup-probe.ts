// One start-up measurement, run by bench/runtimes/startup.ts on Node, Bun or Deno: how
// long importing one module of a build takes in a fresh process, and the heap it leaves
// once collected. Prints `@startup {"ms":…,"heap":…}`.
//   <runtime> startup-probe.js <module file>
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
if (!file) throw new Error('usage: startup-probe.js <module file>');
const started = performance.now();
await import(pathToFileURL(file).href);
const ms = performance.now() - started;
const collect = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc.bind(null, true) ?? (globalThis as { gc?: () => void }).gc;
collect?.();
console.log(`@startup ${JSON.stringify({ ms, heap: process.memoryUsage().heapUsed })}`);
