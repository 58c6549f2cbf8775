// Deno 2.9.6: an HTTP/1.1 server whose 'clientError' listener answers 400 with socket.end();
// an http2 client tries h2c on it (refused: "Protocol error"); then plain http.request calls
// in the same process, each on a new connection, get a valid "HTTP/1.1 200 OK" and fail to parse it.
// Run: node h2c-then-http1-request.mjs; deno run -A h2c-then-http1-request.mjs
import { createServer, request } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { once } from 'node:events';
const rt = process.versions.deno ? `deno ${process.versions.deno}` : `node ${process.version}`;
const server = createServer((req, res) => res.end('ok'));
const answer = process.argv[2] ?? 'end';
server.on('clientError', (error, socket) => (answer === 'end' ? socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n') : socket.destroy()));
server.listen(0, '127.0.0.1'); await once(server, 'listening');
const { port } = server.address();
const get = () => new Promise((resolve) => {
  const req = request({ host: '127.0.0.1', port, path: '/', agent: false });
  req.on('response', (res) => { res.resume(); resolve(`response ${res.statusCode}`); });
  req.on('error', (e) => resolve(`error: ${e.message}`));
  req.end();
});
console.log(rt, 'before h2c:', await get());
const session = h2connect(`http://127.0.0.1:${port}`);
session.on('error', (e) => console.log(rt, `h2c (server answers with socket.${answer}()):`, e.message));
await new Promise((r) => { session.on('close', r); setTimeout(r, 1000); });
for (let i = 1; i <= 3; i++) console.log(rt, `request ${i} after h2c:`, await get());
await new Promise((r) => setTimeout(r, 1500));
console.log(rt, 'request after 1.5 s more:', await get());
process.exit(0);
