// When a node:http server's parser fails (clientError), is it back in the shared pool while its socket still reads?
// Run: node parser-freed-at-client-error.mjs; deno run -A parser-freed-at-client-error.mjs
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
const { parsers } = await import('node:_http_common');
const rt = process.versions.deno ? `deno ${process.versions.deno}` : `node ${process.version}`;
const server = createServer((req, res) => res.end('ok'));
server.on('clientError', (error, socket) => {
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  setImmediate(() => console.log(rt, `after clientError (${error.code}): socket open ${!socket.destroyed}, parsers in the pool: ${parsers.list.length}`));
});
server.listen(0, '127.0.0.1'); await once(server, 'listening');
const bad = connect({ port: server.address().port, host: '127.0.0.1', allowHalfOpen: true });
bad.on('error', () => {});
bad.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
await new Promise((r) => setTimeout(r, 200));
process.exit(0);
