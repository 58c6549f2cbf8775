// Bun 1.4.5's node:http2 server, no switchboard: while one stream of a session is held
// by its flow-control window (the client pauses it), the session's other streams get no
// DATA; close(NGHTTP2_CANCEL) of the held stream sends RST_STREAM but does not end that,
// destroy() with an AbortError does (also RST_STREAM CANCEL). Node's server sends the
// other stream's bytes in all three cases. (docs/runtimes.md, src/sse/sse-stream.ts)
//
//   node test/runtimes/repro/bun-http2-stall.mjs none|close|abort
//   bun  test/runtimes/repro/bun-http2-stall.mjs none|close|abort
// Prints "other stream: got 18 bytes" or "other stream: got nothing". Client and server
// are in one process here; a Node client against a Bun server stalls the same way.
import http2 from 'node:http2';
import { addAbortSignal } from 'node:stream';

const cut = process.argv[2] ?? 'none';
const responses = {};
const server = http2.createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write('retry: 3000\n\n');
  responses[request.url] = response;
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const client = http2.connect(`http://127.0.0.1:${server.address().port}`);
const held = client.request({ ':path': '/held' });
held.pause();
held.on('error', () => {});
const other = client.request({ ':path': '/other' });
let otherBytes = 0;
other.on('data', (chunk) => (otherBytes += chunk.length));
while (!responses['/held'] || !responses['/other']) await new Promise((resolve) => setTimeout(resolve, 10));
await new Promise((resolve) => setTimeout(resolve, 50));
const before = otherBytes;
// 8 KiB a turn until 32 KiB wait on the server: past the 64 KiB stream window.
for (let i = 0; i < 200 && responses['/held'].stream.writableLength <= 32 * 1024; i++) {
  responses['/held'].write('y'.repeat(8192));
  await new Promise((resolve) => setImmediate(resolve));
}
if (cut === 'close') responses['/held'].stream.close(http2.constants.NGHTTP2_CANCEL);
if (cut === 'abort') {
  const controller = new AbortController();
  addAbortSignal(controller.signal, responses['/held'].stream);
  controller.abort();
}
await new Promise((resolve) => setTimeout(resolve, 10));
responses['/other'].write('data: still here\n\n');
const deadline = Date.now() + 2000;
while (otherBytes === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
const runtime = process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`;
console.log(`${runtime}, held stream ${cut === 'none' ? 'left' : cut === 'close' ? 'closed with CANCEL' : 'aborted'}: other stream: ${otherBytes > before ? `got ${otherBytes - before} bytes` : 'got nothing'}${held.closed ? `, held stream reset with ${held.rstCode}` : ''}`);
client.destroy();
server.close();
process.exit(0);
