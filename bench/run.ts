import { cpus } from 'node:os';
import { runEchoBenchmarks } from './echo.js';
import { runFrameBenchmarks } from './frames.js';

// `npm run bench`: every side-by-side benchmark, in one run, on this machine.
const runtime = process.versions.bun ? `bun ${process.versions.bun}` : process.versions.deno ? `deno ${process.versions.deno}` : `node ${process.version}`;
console.log(`${runtime} (V8 ${process.versions.v8 ?? '–'}), ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}`);
await runFrameBenchmarks();
await runEchoBenchmarks();
