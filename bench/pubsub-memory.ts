// Memory per idle `switchboard.v1` connection: a pub/sub server (MemoryHub) in a child
// process started with --expose-gc, 5,000 connections that negotiated the subprotocol
// and subscribed to nothing, heap and RSS after gc() before and after. Takes the builds
// to compare (a dir holding the package's index.js, e.g. `dist` of another commit's
// worktree), so the code before and after a change runs the same workload:
//   node .bench-out/bench/pubsub-memory.js [--connections=5000] [<build dir> ...]   (default: dist)
import { type ChildProcess, fork } from 'node:child_process';
import { type Socket, connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Reading {
  heap: number;
  rss: number;
  sessions: number;
}

const HANDSHAKE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: switchboard.v1\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SOURCES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

async function server(dir: string): Promise<void> {
  const { createPubSubServer, MemoryHub } = (await import(pathToFileURL(resolve(dir, 'index.js')).href)) as typeof import('../src/index.js');
  const pubsub = createPubSubServer({ hub: new MemoryHub(), server: { port: 0, host: '127.0.0.1' } });
  await new Promise((done) => pubsub.wss.once('listening', done));
  const reading = async (): Promise<Reading> => {
    for (let i = 0; i < 4; i++) {
      gc!();
      await new Promise((done) => setImmediate(done));
    }
    const usage = process.memoryUsage();
    return { heap: usage.heapUsed, rss: usage.rss, sessions: pubsub.sessionCount };
  };
  process.send!({ port: (pubsub.wss.address() as { port: number }).port });
  process.on('message', () => void reading().then((value) => process.send!(value)));
  process.on('disconnect', () => process.exit(0));
}

function next<T>(child: ChildProcess): Promise<T> {
  return new Promise((done) => child.once('message', (message) => done(message as T)));
}

function open(port: number, index: number): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: SOURCES[index % SOURCES.length] });
    socket.once('connect', () => socket.write(HANDSHAKE));
    socket.once('data', () => done(socket));
    socket.once('error', fail);
    socket.on('data', () => {});
  });
}

async function measure(dir: string, count: number): Promise<{ heap: number; rss: number; sessions: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--server', dir], { execArgv: ['--expose-gc'] });
  const sockets: Socket[] = [];
  try {
    const { port } = await next<{ port: number }>(child);
    // One connection first, so code loaded lazily is not counted.
    (await open(port, 0)).destroy();
    await new Promise((done) => setTimeout(done, 200));
    child.send('read');
    const before = await next<Reading>(child);
    for (let i = 0; i < count; i++) sockets.push(await open(port, i));
    await new Promise((done) => setTimeout(done, 500));
    child.send('read');
    const after = await next<Reading>(child);
    return { heap: (after.heap - before.heap) / count, rss: (after.rss - before.rss) / count, sessions: after.sessions };
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill();
  }
}

if (process.argv[2] === '--server') await server(process.argv[3]);
else {
  const args = process.argv.slice(2);
  const count = Number(args.find((arg) => arg.startsWith('--connections='))?.split('=')[1] ?? 5000);
  const dirs = args.filter((arg) => !arg.startsWith('--'));
  console.log(`Memory per idle switchboard.v1 connection (${count} connections, after gc())`);
  console.log('| build | sessions | heapUsed bytes/conn | rss bytes/conn |\n|---|---:|---:|---:|');
  for (const dir of dirs.length > 0 ? dirs : ['dist']) {
    const result = await measure(dir, count);
    console.log(`| ${dir} | ${result.sessions} | ${Math.round(result.heap).toLocaleString('en-US')} | ${Math.round(result.rss).toLocaleString('en-US')} |`);
  }
}
