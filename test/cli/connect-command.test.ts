import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer as WSServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { runConnect } from '../../src/cli/connect-command.js';
import { runCli } from '../../src/cli/run-cli.js';
import { lines, memoryIo } from '../support/cli/memory-io.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface PeerLog {
  request?: IncomingMessage;
  messages: string[];
  pings: string[];
  close?: { code: number; reason: string };
}

/**
 * A `ws` echo server that also answers "binary please" with 3 bytes and
 * "close me" with a close of its own, and records what the client did.
 */
async function startPeer() {
  const server = new WSServer({ port: 0, host: '127.0.0.1', handleProtocols: (offered) => (offered.has('chat') ? 'chat' : false) });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const log: PeerLog = { messages: [], pings: [] };
  const closed = new Promise<void>((resolveClosed) => {
    server.on('connection', (socket, request) => {
      log.request = request;
      socket.on('message', (data, isBinary) => {
        const text = data.toString();
        log.messages.push(text);
        if (text === 'binary please') socket.send(Buffer.from([1, 2, 3]));
        else if (text === 'close me') socket.close(4000, 'server says bye');
        else socket.send(data, { binary: isBinary });
      });
      socket.on('ping', (data) => log.pings.push(data.toString()));
      socket.on('close', (code, reason) => {
        log.close = { code, reason: reason.toString() };
        resolveClosed();
      });
      cleanups.push(() => socket.terminate());
    });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/chat`, log, closed };
}

describe('switchboard connect', () => {
  it('sends piped lines, runs /ping and /close, prints what comes back, then the close', async () => {
    const peer = await startPeer();
    const memory = memoryIo();
    memory.stdin.end('hello\n/ping abc\nbinary please\nκόσμε\n/close 1000 bye\n');
    const status = await runConnect(peer.url, { protocols: ['chat'] }, memory.io);
    expect(status).toBe(0);
    expect(lines(memory.stdout())).toEqual([
      `Connected to ${peer.url} (protocol: chat)`,
      '< hello',
      '< pong abc',
      '< <binary 3 bytes>',
      '< κόσμε',
      'Closed: code 1000, reason "bye"',
    ]);
    expect(memory.stderr()).toBe('');
    await peer.closed;
    expect(peer.log.messages).toEqual(['hello', 'binary please', 'κόσμε']);
    expect(peer.log.pings).toContain('abc');
    expect(peer.log.close).toEqual({ code: 1000, reason: 'bye' });
  });

  it('closes with 1000 at the end of the input, after the answers to what it sent', async () => {
    const peer = await startPeer();
    const memory = memoryIo();
    memory.stdin.end('one\ntwo\n');
    expect(await runConnect(peer.url, {}, memory.io)).toBe(0);
    expect(lines(memory.stdout())).toEqual([`Connected to ${peer.url}`, '< one', '< two', 'Closed: code 1000']);
    await peer.closed;
    expect(peer.log.close?.code).toBe(1000);
  });

  it('works line by line, as typed, and exits when the server closes', async () => {
    const peer = await startPeer();
    const memory = memoryIo();
    const done = runConnect(peer.url, {}, memory.io);
    await memory.waitForOutput('Connected');
    memory.stdin.write('first\n');
    await memory.waitForOutput('< first\n');
    memory.stdin.write('/nonsense\n');
    memory.stdin.write(`/ping ${'x'.repeat(126)}\n`);
    memory.stdin.write('/close 1001\n');
    memory.stdin.write('second\n');
    await memory.waitForOutput('< second\n');
    expect(memory.stderr()).toContain('Unknown command /nonsense');
    expect(memory.stderr()).toContain('error: A control frame carries at most 125 bytes');
    // WHATWG close(): a client may only send 1000 or 3000–4999; the connection stays open.
    expect(memory.stderr()).toContain('The close code must be 1000 or in 3000–4999, got 1001');
    memory.stdin.write('close me\n');
    // The input stays open: the server's close alone ends the command.
    expect(await done).toBe(0);
    expect(lines(memory.stdout()).slice(-1)).toEqual(['Closed: code 4000, reason "server says bye"']);
    expect(peer.log.messages).toEqual(['first', 'second', 'close me']);
  });

  it('/quit closes with 1000', async () => {
    const peer = await startPeer();
    const memory = memoryIo();
    const done = runConnect(peer.url, {}, memory.io);
    await memory.waitForOutput('Connected');
    memory.stdin.write('/quit\n');
    expect(await done).toBe(0);
    await peer.closed;
    expect(peer.log.close?.code).toBe(1000);
  });

  it('sends --header, --origin and --protocol in the handshake', async () => {
    const peer = await startPeer();
    const memory = memoryIo();
    memory.stdin.end('/quit\n');
    const args = ['connect', peer.url, '--header', 'Authorization: Bearer t0k3n', '-H', 'X-Trace: a:b', '--origin', 'https://example.test', '-p', 'v2', '-p', 'chat'];
    expect(await runCli(args, memory.io)).toBe(0);
    const headers = peer.log.request?.headers;
    expect(headers?.authorization).toBe('Bearer t0k3n');
    expect(headers?.['x-trace']).toBe('a:b');
    expect(headers?.origin).toBe('https://example.test');
    expect(headers?.['sec-websocket-protocol']).toBe('v2, chat');
    expect(memory.stdout()).toContain('(protocol: chat)');
  });

  it('exits with 1 and says why when it cannot connect', async () => {
    // A port that was just free: nothing listens there any more.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const refused = memoryIo();
    expect(await runConnect(`ws://127.0.0.1:${port}`, {}, refused.io)).toBe(1);
    expect(refused.stderr()).toMatch(/^error: connect ECONNREFUSED/);
    expect(refused.stdout()).toBe('');
  });

  it('reports the HTTP status of a refused handshake', async () => {
    const server = new WSServer({ port: 0, host: '127.0.0.1', verifyClient: () => false });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const memory = memoryIo();
    const status = await runConnect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {}, memory.io);
    expect(status).toBe(1);
    expect(memory.stderr()).toContain('error: Unexpected server response: 401');
  });

  it('takes exactly one URL and well-formed headers', async () => {
    for (const args of [['connect'], ['connect', 'ws://a', 'ws://b'], ['connect', 'ws://127.0.0.1:1', '--header', 'no colon']]) {
      const memory = memoryIo();
      expect(await runCli(args, memory.io)).toBe(2);
      expect(memory.stderr()).toContain('Usage: switchboard');
    }
  });
});

describe('switchboard connect --deflate', () => {
  it('offers permessage-deflate and says what was agreed', async () => {
    const server = new WSServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    let offered: string | undefined;
    server.on('connection', (socket, request) => {
      offered = request.headers['sec-websocket-extensions'];
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const memory = memoryIo();
    memory.stdin.end('hello\n/close 1000 bye\n');
    expect(await runConnect(url, { deflate: true }, memory.io)).toBe(0);
    expect(offered).toBe('permessage-deflate; client_max_window_bits');
    expect(lines(memory.stdout())).toEqual([`Connected to ${url} (extensions: permessage-deflate)`, '< hello', 'Closed: code 1000, reason "bye"']);
  });
});
