// Does node:zlib's async inflate run off the main thread? A 10 ms interval runs while a
// stream inflates 128 MiB of zeros (128 KB compressed); the longest gap between its ticks.
// Run: node zlib-inflates-on-main-thread.mjs; deno run -A zlib-inflates-on-main-thread.mjs
import { createDeflateRaw, createInflateRaw, constants } from 'node:zlib';
const rt = process.versions.deno ? `deno ${process.versions.deno}` : `node ${process.version}`;
const compressed = await new Promise((resolve) => { const s = createDeflateRaw(); const c = []; s.on('data', (x) => c.push(x)); s.write(Buffer.alloc(128 << 20)); s.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(c))); });
let last = Date.now(), longest = 0, ticks = 0;
const timer = setInterval(() => { const now = Date.now(); longest = Math.max(longest, now - last); last = now; ticks++; }, 10);
await new Promise((r) => setTimeout(r, 50));
const t0 = Date.now(); last = t0; longest = 0; ticks = 0;
let out = 0;
const inflate = createInflateRaw();
inflate.on('data', (c) => { out += c.length; });
await new Promise((resolve) => inflate.write(compressed, resolve));
console.log(rt, `inflated ${out >> 20} MiB in ${Date.now() - t0} ms; the 10 ms interval ticked ${ticks} times meanwhile, longest gap ${longest} ms`);
clearInterval(timer);
