import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTarget, runProxy } from '../../src/cli/proxy-command.js';
import { runCli } from '../../src/cli/run-cli.js';
import { fromHex } from '../../src/protocol/inspector/index.js';
import type { TraceEvent } from '../../src/trace/index.js';
import { WebSocket, WebSocketServer } from '../../src/websocket/index.js';
import { memoryIo } from '../support/cli/memory-io.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * A plain TCP relay in front of an endpoint, independent of the code under test,
 * that records every byte each way: what a peer really sent and really received.
 */
async function recorder(targetPort: number) {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const server: Server = createServer((socket: Socket) => {
    const upstream = connect(targetPort, '127.0.0.1');
    socket.on('data', (chunk) => (up.push(chunk), upstream.write(chunk)));
    upstream.on('data', (chunk) => (down.push(chunk), socket.write(chunk)));
    socket.on('end', () => upstream.end());
    upstream.on('end', () => socket.end());
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as AddressInfo).port, up: () => Buffer.concat(up), down: () => Buffer.concat(down) };
}

/** client → recorder A → proxy → recorder B → server: A and B must see the same bytes. */
async function chain(serverPort: number) {
  const nearServer = await recorder(serverPort);
  const events: TraceEvent[] = [];
  const memory = memoryIo();
  const proxy = await runProxy({ listen: 0, host: '127.0.0.1', target: parseTarget(`ws://127.0.0.1:${nearServer.port}`), onEvent: (e) => events.push(e) }, memory.io);
  cleanups.push(() => proxy.close());
  const nearClient = await recorder((proxy.server.address() as AddressInfo).port);
  return { url: `ws://127.0.0.1:${nearClient.port}/echo`, nearClient, nearServer, events, output: memory.stdout };
}

/** The bytes of the proxy's events in one direction, put back together. */
function rebuilt(events: TraceEvent[], from: 'client' | 'server'): Buffer {
  return Buffer.concat(
    events.flatMap((e) => (e.type === 'http-head' && e.from === from ? [Buffer.from(e.text, 'latin1')] : e.type === 'frame' && e.from === from ? [Buffer.from(fromHex(e.hex))] : [])),
  );
}

const kinds = (events: TraceEvent[], from: 'client' | 'server') =>
  events.filter((e) => e.type === 'frame' && e.from === from).map((e) => (e.type === 'frame' ? `${e.frame.opcodeName}${e.frame.fin ? '' : '+'}` : ''));

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('switchboard proxy', () => {
  it('between a ws client and a switchboard server: byte-exact both ways, fragments, pings and close decoded', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    server.on('connection', (ws) => ws.on('message', (data: Buffer, binary: boolean) => ws.send(data, { binary })));
    const { url, nearClient, nearServer, events, output } = await chain((server.address() as AddressInfo).port);

    const client = new WsClient(url);
    await once(client, 'open');
    client.send('frag', { fin: false });
    client.send('ment', { fin: true });
    await once(client, 'message');
    client.ping('are you there');
    await once(client, 'pong');
    client.send(Buffer.alloc(300, 7));
    await once(client, 'message');
    client.close(1000, 'done');
    await once(client, 'close');
    await waitUntil(() => events.at(-1)?.type === 'end');

    // Byte-exact: what the client sent is what the server got, and back.
    expect(nearClient.up().equals(nearServer.up())).toBe(true);
    expect(nearClient.down().equals(nearServer.down())).toBe(true);
    // The events account for every byte, and their bytes are the wire's.
    expect(rebuilt(events, 'client').equals(nearClient.up())).toBe(true);
    expect(rebuilt(events, 'server').equals(nearClient.down())).toBe(true);
    expect(kinds(events, 'client')).toEqual(['text+', 'continuation', 'ping', 'binary', 'close']);
    expect(kinds(events, 'server')).toEqual(['text', 'pong', 'binary', 'close']);
    expect(output()).toContain('client → server close FIN MASK key');
    expect(output()).toContain('close 1000 "done"');
  });

  it('between a switchboard client and a ws server: byte-exact both ways, the server fragmenting, pinging and closing', async () => {
    const server = new WsServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    server.on('connection', (ws) => {
      ws.on('message', () => {
        ws.send('one ', { fin: false });
        ws.send('two ', { fin: false });
        ws.send('three', { fin: true });
        ws.ping('hb');
        ws.close(4000, 'server leaves');
      });
    });
    const { url, nearClient, nearServer, events } = await chain((server.address() as AddressInfo).port);

    const client = new WebSocket(url);
    const messages: string[] = [];
    client.on('message', (data: Buffer) => messages.push(String(data)));
    await once(client, 'open');
    client.send('go');
    const [code, reason] = await once(client, 'close');
    await waitUntil(() => events.at(-1)?.type === 'end');

    expect([code, String(reason), messages]).toEqual([4000, 'server leaves', ['one two three']]);
    expect(nearClient.up().equals(nearServer.up())).toBe(true);
    expect(nearClient.down().equals(nearServer.down())).toBe(true);
    expect(rebuilt(events, 'client').equals(nearClient.up())).toBe(true);
    expect(rebuilt(events, 'server').equals(nearClient.down())).toBe(true);
    expect(kinds(events, 'server')).toEqual(['text+', 'continuation+', 'continuation', 'ping', 'close']);
    expect(kinds(events, 'client')).toEqual(['text', 'pong', 'close']);
    const heads = events.filter((e) => e.type === 'http-head');
    expect(heads.map((e) => e.type === 'http-head' && [e.from, e.exact, e.text.split('\r\n')[0]])).toEqual([
      ['client', true, 'GET /echo HTTP/1.1'],
      ['server', true, 'HTTP/1.1 101 Switching Protocols'],
    ]);
  });

  it('a refused upgrade is forwarded as is, its body shown as text', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/only-here', heartbeat: false });
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { url, events } = await chain((server.address() as AddressInfo).port);
    const client = new WsClient(url);
    client.on('error', () => {});
    await new Promise((resolve) => client.on('close', resolve));
    await waitUntil(() => events.at(-1)?.type === 'end');
    const response = events.find((e) => e.type === 'http-head' && e.from === 'server');
    expect(response?.type === 'http-head' && response.text.startsWith('HTTP/1.1 404')).toBe(true);
    expect(events.some((e) => e.type === 'body' && e.text.includes('No WebSocket endpoint'))).toBe(true);
  });

  it('writes JSON lines, and refuses a bad command line', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    server.on('connection', (ws) => ws.on('message', (data: Buffer) => ws.send(String(data))));
    const file = join(mkdtempSync(join(tmpdir(), 'proxy-')), 'trace.jsonl');
    const jsonLines = createWriteStream(file);
    const memory = memoryIo();
    const proxy = await runProxy({ listen: 0, host: '127.0.0.1', target: parseTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), jsonLines, quiet: true }, memory.io);
    cleanups.push(() => proxy.close());
    const client = new WebSocket(`ws://127.0.0.1:${(proxy.server.address() as AddressInfo).port}/`);
    await once(client, 'open');
    client.send('json');
    await once(client, 'message');
    client.close();
    await once(client, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise<void>((resolve) => jsonLines.end(resolve));
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TraceEvent);
    expect(lines.map((e) => `${e.type}${e.type === 'frame' ? ` ${e.from} ${e.frame.opcodeName} ${e.frame.text ?? ''}` : ''}`)).toEqual([
      'http-head',
      'http-head',
      'frame client text json',
      'frame server text json',
      'frame client close ',
      'frame server close ',
      'end',
    ]);
    expect(memory.stdout()).not.toContain('client → server');

    const usage = memoryIo();
    expect(await runCli(['proxy', '--listen', '9000'], usage.io)).toBe(2);
    expect(usage.stderr()).toContain('--target');
    expect(await runCli(['proxy', '--listen', '9000', '--target', 'ftp://x'], usage.io)).toBe(2);
    expect(await runCli(['proxy', '--listen', '9000', '--target', 'not a url'], usage.io)).toBe(2);
    expect(await runCli(['proxy', 'extra', '--listen', '1', '--target', 'ws://x'], usage.io)).toBe(2);
    expect(parseTarget('https://example.com').protocol).toBe('wss:');
  });
});
