import { cpus } from 'node:os';
import { runEchoBenchmarks } from './echo.js';
import { runFrameBenchmarks } from './frames.js';

// `npm run bench`: every side-by-side benchmark, in one run, on this machine.
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}`);
await runFrameBenchmarks();
await runEchoBenchmarks();
