// Deno 2.9.6 (denoland/deno#36786): a request on a kept-alive socket, destroyed by the caller
// before the answer, is sent again on a new connection, with no 'error' or 'close'.
// V=plain: destroy(error); V=noerror: destroy(); V=guard: destroy(error) and destroy any socket the request gets after.
// Run: node destroyed-request-resent.mjs; deno run -A destroyed-request-resent.mjs
import { createServer, request } from 'node:http';
import { once } from 'node:events';
const rt = process.versions.deno ? `deno ${process.versions.deno}` : `node ${process.version}`;
const v = process.env.V ?? 'plain';
let n = 0;
const server = createServer((req, res) => { if (++n === 1) res.end('first'); });
server.listen(0, '127.0.0.1'); await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/`;
await new Promise((resolve) => request(url, (res) => { res.resume(); res.on('end', resolve); }).end());
await new Promise((r) => setTimeout(r, 10));
const req = request(url);
const events = [];
for (const name of ['error', 'close', 'response']) req.on(name, () => events.push(name));
req.end();
await new Promise((r) => setTimeout(r, 50));
if (v === 'noerror') req.destroy(); else req.destroy(new Error('gave up'));
if (v === 'guard') req.on('socket', (socket) => socket.destroy());
await new Promise((r) => setTimeout(r, 300));
console.log(rt, `destroy variant ${v}: server got ${n - 1} request(s) for one http.request; events ${JSON.stringify(events)}`);
process.exit(0);
