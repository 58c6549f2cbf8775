// Deno polls sockets only every ~61 ready tasks while setImmediate callbacks keep coming.
// A writer sends 64 KiB per setImmediate turn to a reader in the same process: how many
// turns pass before the reader sees a byte, and what waits in the writer's socket then.
// Run: node setimmediate-starves-reads.mjs; deno run -A setimmediate-starves-reads.mjs
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
import { setImmediate as turn, setTimeout as timer } from 'node:timers/promises';

for (const [name, yieldOnce] of [['setImmediate', () => turn()], ['setTimeout(0)', () => timer(0)]]) {
  let read = 0;
  const server = createServer((socket) => socket.on('data', (chunk) => (read += chunk.length)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect(server.address().port, '127.0.0.1');
  await once(socket, 'connect');
  const chunk = Buffer.alloc(8 * 1024);
  let firstRead, maxWaiting = 0;
  for (let i = 1; i <= 64; i++) {
    for (let j = 0; j < 8; j++) socket.write(chunk);
    maxWaiting = Math.max(maxWaiting, socket.writableLength);
    await yieldOnce();
    if (read > 0) firstRead ??= i;
  }
  console.log(process.versions.deno ? `deno ${process.versions.deno}` : `node ${process.version}`,
    `${name}: first byte read after ${firstRead ?? 'more than 64'} turns; most bytes waiting in the writer ${maxWaiting}`);
  socket.destroy();
  server.close();
}
