import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runAutobahnClient } from '../../src/cli/autobahn-client.js';
import { runCli } from '../../src/cli/run-cli.js';
import { type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import { memoryIo } from '../support/cli/memory-io.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Sent {
  data: string | Buffer;
  binary: boolean;
}

/** What each case sends; the client must echo each message with its type. */
const CASES: Sent[][] = [
  [
    { data: 'Hello, world', binary: false },
    { data: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), binary: true },
  ],
  [
    { data: 'κόσμε', binary: false },
    { data: Buffer.alloc(64 * 1024, 7), binary: true },
    { data: Buffer.from('text-looking bytes'), binary: true },
  ],
  [
    { data: '', binary: false },
    { data: Buffer.alloc(0), binary: true },
    { data: 'x'.repeat(1024 * 1024), binary: false },
  ],
];

interface FakeOptions {
  caseCount?: string;
  /** Cases whose connection the server drops without a closing handshake, as Autobahn does when a case fails the client. */
  dropCases?: number[];
  /** Accept permessage-deflate, compressing everything (groups 12 and 13). */
  deflate?: boolean;
}

/**
 * A small stand-in for Autobahn's fuzzing server (wstest -m fuzzingserver):
 * routes by path, runs the cases above, and records every request and verdict.
 */
async function startFakeFuzzingServer(options: FakeOptions = {}) {
  const requests: string[] = [];
  const verdicts = new Map<number, string>();
  const extensions: string[] = [];
  const webSockets = new WebSocketServer({ noServer: true, heartbeat: false, perMessageDeflate: options.deflate === true && { threshold: 0 } });
  const http: Server = createServer((_request, response) => response.writeHead(404).end());
  http.on('upgrade', (request, socket, head) => {
    requests.push(request.url ?? '');
    webSockets.handleUpgrade(request, socket, head, (connection) => route(connection, new URL(request.url ?? '/', 'ws://fake')));
  });

  function route(connection: WebSocketConnection, url: URL): void {
    if (url.pathname === '/getCaseCount') {
      connection.send(options.caseCount ?? String(CASES.length));
      connection.close(1000);
    } else if (url.pathname === '/runCase') {
      extensions.push(connection.extensions);
      runCase(connection, Number(url.searchParams.get('case')));
    } else if (url.pathname === '/updateReports') {
      connection.close(1000);
    } else {
      connection.close(4004, 'no such path');
    }
  }

  function runCase(connection: WebSocketConnection, n: number): void {
    if (options.dropCases?.includes(n)) {
      verdicts.set(n, 'dropped');
      connection.terminate();
      return;
    }
    const sent = CASES[n - 1];
    const echoes: Sent[] = [];
    connection.on('message', (data: Buffer, binary: boolean) => {
      echoes.push({ data: Buffer.from(data), binary });
      if (echoes.length < sent.length) return;
      const same = sent.every(
        (message, i) => echoes[i].binary === message.binary && Buffer.from(message.data).equals(echoes[i].data as Buffer),
      );
      verdicts.set(n, same ? 'ok' : 'echo mismatch');
      connection.close(same ? 1000 : 4001, same ? '' : 'echo mismatch');
    });
    for (const message of sent) connection.send(message.data, { binary: message.binary });
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => webSockets.close(() => resolve()));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  const { port } = http.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, requests, verdicts, extensions };
}

describe('Autobahn client runner', () => {
  it('asks for the case count, runs every case echoing what it is sent, then updates the reports', async () => {
    const fake = await startFakeFuzzingServer();
    const log: string[] = [];
    const run = await runAutobahnClient(`${fake.url}/`, { log: (line) => log.push(line) });
    expect(fake.requests).toEqual([
      '/getCaseCount',
      '/runCase?case=1&agent=switchboard',
      '/runCase?case=2&agent=switchboard',
      '/runCase?case=3&agent=switchboard',
      '/updateReports?agent=switchboard',
    ]);
    expect([...fake.verdicts]).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
    ]);
    expect(run).toEqual({
      caseCount: 3,
      results: [1, 2, 3].map((n) => ({ case: n, code: 1000, reason: '' })),
    });
    expect(log).toEqual(['3 cases', 'case 1/3: closed 1000', 'case 2/3: closed 1000', 'case 3/3: closed 1000', 'reports updated']);
  });

  it('goes on with the next case when one ends without a closing handshake', async () => {
    const fake = await startFakeFuzzingServer({ dropCases: [2] });
    const run = await runAutobahnClient(fake.url);
    expect(run.results.map(({ code }) => code)).toEqual([1000, 1006, 1000]);
    expect([...fake.verdicts.values()]).toEqual(['ok', 'dropped', 'ok']);
    expect(fake.requests.at(-1)).toBe('/updateReports?agent=switchboard');
  });

  it('runs from the command line, under another agent name', async () => {
    const fake = await startFakeFuzzingServer();
    const memory = memoryIo();
    expect(await runCli(['autobahn-client', fake.url, '--agent', 'sb 2'], memory.io)).toBe(0);
    expect(fake.requests.slice(1)).toEqual([
      '/runCase?case=1&agent=sb%202',
      '/runCase?case=2&agent=sb%202',
      '/runCase?case=3&agent=sb%202',
      '/updateReports?agent=sb%202',
    ]);
    expect(memory.stdout()).toContain('case 3/3: closed 1000\nreports updated\nRan 3 cases as agent "sb 2"');
  });

  it('fails when the case count is not a number, and when nothing listens', async () => {
    const fake = await startFakeFuzzingServer({ caseCount: 'many' });
    await expect(runAutobahnClient(fake.url)).rejects.toThrow('getCaseCount answered "many"');
    expect(fake.requests).toEqual(['/getCaseCount']);

    const memory = memoryIo();
    expect(await runCli(['autobahn-client', 'ws://127.0.0.1:1'], memory.io)).toBe(1);
    expect(memory.stderr()).toMatch(/^switchboard autobahn-client: No answer from ws:\/\/127\.0\.0\.1:1\/getCaseCount: connect ECONNREFUSED/);
  });

  it('needs the server URL', async () => {
    const memory = memoryIo();
    expect(await runCli(['autobahn-client'], memory.io)).toBe(2);
    expect(memory.stderr()).toContain('autobahn-client takes the fuzzing server URL');
  });
});

describe('autobahn-client --deflate', () => {
  it('offers permessage-deflate in every case, and echoes compressed messages intact', async () => {
    const fake = await startFakeFuzzingServer({ deflate: true });
    const run = await runAutobahnClient(fake.url, { deflate: true });
    expect(run.results.map((result) => result.code)).toEqual([1000, 1000, 1000]);
    expect([...fake.verdicts.values()]).toEqual(['ok', 'ok', 'ok']);
    expect(fake.extensions).toEqual(['permessage-deflate', 'permessage-deflate', 'permessage-deflate']);
  });

  it('without it, nothing is offered', async () => {
    const fake = await startFakeFuzzingServer({ deflate: true });
    await runAutobahnClient(fake.url);
    expect(fake.extensions).toEqual(['', '', '']);
  });
});
