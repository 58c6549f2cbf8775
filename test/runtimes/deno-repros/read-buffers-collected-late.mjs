// A server socket that reads and drops 1 GiB from a local writer: the peak growth of
// process.memoryUsage().external and rss while it does (nothing is kept).
// Run: node read-buffers-collected-late.mjs; deno run -A read-buffers-collected-late.mjs
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
const before = process.memoryUsage();
let peakExt = 0, peakRss = 0, read = 0;
const sample = () => { const m = process.memoryUsage(); peakExt = Math.max(peakExt, m.external - before.external); peakRss = Math.max(peakRss, m.rss - before.rss); };
const timer = setInterval(sample, 5);
const server = createServer((s) => s.on('data', (c) => { read += c.length; }));
server.listen(0, '127.0.0.1'); await once(server, 'listening');
const c = connect(server.address().port, '127.0.0.1'); await once(c, 'connect');
const big = Buffer.alloc(1 << 20, 1);
let written = 0;
const t0 = Date.now();
await new Promise((resolve) => { const next = () => { if (written >= 1 << 30) return resolve(); written += big.length; if (c.write(big)) setImmediate(next); else c.once('drain', next); }; next(); });
while (read < written) await new Promise((r) => setTimeout(r, 5));
sample();
console.log(process.versions.deno ? 'deno' : 'node', `read ${read >> 20} MiB in ${Date.now() - t0} ms: peak external +${(peakExt / 1048576).toFixed(0)} MiB, peak rss +${(peakRss / 1048576).toFixed(0)} MiB`);
process.exit(0);
