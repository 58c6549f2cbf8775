// Deno 2.9.6: a GET whose kept-alive connection the server cuts before answering is sent
// again by the node:http client on a new connection, with no 'error': the caller gets the
// next answer. Node and Bun report ECONNRESET to the caller.
// Run: node cut-request-resent.mjs; deno run -A cut-request-resent.mjs; bun cut-request-resent.mjs
// Node/Bun print: ok1, error ECONNRESET, ok3, requests seen 3. Deno: ok1, ok3, ok4, requests seen 4.
import { createServer, get } from 'node:http';
import { once } from 'node:events';
let n = 0;
const server = createServer((req, res) => {
  // The second request: its connection (kept alive from the first) is cut, unanswered.
  if (++n === 2) req.socket.destroy();
  else res.end(`ok${n}`);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/`;
const fetchText = () =>
  new Promise((resolve) => {
    const request = get(url, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('error', (error) => resolve(`error ${error.code}`));
  });
for (let i = 0; i < 3; i++) console.log(await fetchText());
console.log('requests seen', n);
server.close();
process.exit(0);
