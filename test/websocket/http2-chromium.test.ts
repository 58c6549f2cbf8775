// WebSockets over HTTP/2 (RFC 8441) with a real browser: Debian's Chromium loads a
// page over HTTPS/HTTP/2 from our server (a certificate this test makes; Chromium
// started with --ignore-certificate-errors), and the page opens several wss://
// WebSockets and EventSources to the same origin. The server checks that each
// WebSocket arrived as an extended CONNECT stream, and that the whole page used
// one TCP connection: page, event streams and WebSockets are streams of one session.
import { once } from 'node:events';
import { type Http2SecureServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Http2ConnectRequest, type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import { launchChromium } from '../support/chromium.js';
import { selfSignedCertificate } from '../support/self-signed.js';

const BIG = 16 * 1024 * 1024;

const PAGE = `<!doctype html><meta charset="utf-8"><title>h2</title><script>
const record = { extensions: {}, opened: 0, echoes: {}, closes: {}, events: [], bigEcho: undefined, afterAbort: undefined, errors: [] };
window.record = record;
const open = (name) => {
  const ws = new WebSocket('wss://' + location.host + '/ws/' + name);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => { record.opened++; record.extensions[name] = ws.extensions; ws.send('hello from ' + name); ws.send(new Uint8Array([1, 2, 3, name.length])); };
  ws.onclose = (event) => { record.closes[name] = [event.code, event.reason, event.wasClean]; };
  ws.onerror = () => record.errors.push(name);
  (record.echoes[name] = []);
  return ws;
};
const big = open('big');
const closer = open('closer');
const victim = open('victim');
big.onmessage = (event) => {
  const data = event.data;
  if (typeof data === 'string' && data === 'after-abort') { record.afterAbort = data; big.close(1000, 'done'); return; }
  if (data instanceof ArrayBuffer && data.byteLength === ${BIG}) {
    const bytes = new Uint8Array(data);
    record.bigEcho = bytes.length + ':' + bytes[0] + ':' + bytes[12345] + ':' + bytes[bytes.length - 1];
    victim.send('abort-me');
    return;
  }
  record.echoes.big.push(typeof data === 'string' ? data : 'binary:' + new Uint8Array(data).join(','));
  if (record.echoes.big.length === 2) {
    const bytes = new Uint8Array(${BIG}).fill(7);
    bytes[12345] = 9; bytes[bytes.length - 1] = 5;
    big.send(bytes);
  }
};
closer.onmessage = (event) => {
  record.echoes.closer.push(typeof event.data === 'string' ? event.data : 'binary:' + new Uint8Array(event.data).join(','));
  if (record.echoes.closer.length === 2) closer.send('close-4001');
};
victim.onmessage = (event) => record.echoes.victim.push(typeof event.data === 'string' ? event.data : 'binary:' + new Uint8Array(event.data).join(','));
victim.addEventListener('close', () => big.send('after-abort'));
for (const name of ['a', 'b']) {
  const source = new EventSource('/events/' + name);
  source.onmessage = (event) => { record.events.push(name + ':' + event.data); if (event.data === 'last') source.close(); };
}
</script>`;

let browser: Browser;
let h2: Http2SecureServer;
let wss: WebSocketServer;
let port = 0;
let tcpConnections = 0;
const sessions = new Set<ServerHttp2Session>();
const connections: { path: string; carrier: string; session: Http2Session | undefined; headers: IncomingHttpHeaders }[] = [];
const pongs: string[] = [];
const serverCloses: Record<string, [number, string, boolean]> = {};
const eventStreamSessions = new Set<Http2Session | undefined>();

beforeAll(async () => {
  const tls = selfSignedCertificate();
  h2 = createSecureServer({ ...tls, allowHTTP1: true });
  h2.on('secureConnection', () => tcpConnections++);
  h2.on('session', (session: ServerHttp2Session) => sessions.add(session));
  // The page and the event streams; extended CONNECT streams are the WebSocketServer's.
  h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const path = headers[':path'] ?? '';
    if (headers[':method'] !== 'GET') return;
    if (path === '/') {
      stream.respond({ ':status': 200, 'content-type': 'text/html; charset=utf-8' });
      stream.end(PAGE);
    } else if (path.startsWith('/events/')) {
      eventStreamSessions.add(stream.session);
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      stream.write('data: first\n\n');
      setTimeout(() => stream.end('data: last\n\n'), 50);
    } else {
      stream.respond({ ':status': 404 });
      stream.end();
    }
  });
  wss = new WebSocketServer({ http2Server: h2, heartbeat: false, perMessageDeflate: true, maxPayload: 32 * 1024 * 1024, maxBufferedAmount: 64 * 1024 * 1024 });
  wss.on('connection', (ws: WebSocketConnection, request: Http2ConnectRequest) => {
    const name = request.url.slice('/ws/'.length);
    connections.push({ path: request.url, carrier: ws.carrier, session: request.stream?.session, headers: request.headers });
    ws.on('pong', (data: Buffer) => pongs.push(`${name}:${data.toString()}`));
    ws.on('close', (code: number, reason: string, wasClean: boolean) => (serverCloses[name] = [code, reason, wasClean]));
    ws.ping(`ping-${name}`);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? '' : data.toString();
      if (text === 'close-4001') ws.close(4001, 'asked');
      else if (text === 'abort-me') ws.terminate();
      else ws.send(data, { binary: isBinary });
    });
  });
  h2.listen(0, '127.0.0.1');
  await once(h2, 'listening');
  port = (h2.address() as AddressInfo).port;
  browser = await launchChromium(['--ignore-certificate-errors']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  for (const session of sessions) session.destroy();
  await new Promise((resolve) => h2?.close(resolve));
});

describe('Chromium and our server, WebSockets over HTTP/2', () => {
  it('opens every WebSocket as an extended CONNECT stream on the one connection of the page', { timeout: 90_000 }, async () => {
    const page = await browser.newPage();
    const response = await page.goto(`https://localhost:${port}/`);
    expect(response?.status()).toBe(200);
    await page.waitForFunction(
      () => {
        const record = (globalThis as unknown as { record: { closes: Record<string, unknown>; events: string[] } }).record;
        return Object.keys(record.closes).length === 3 && record.events.length === 4;
      },
      undefined,
      { timeout: 60_000 },
    );
    const record = await page.evaluate(() => (globalThis as unknown as { record: unknown }).record);
    await page.close();

    // Server side: three WebSockets, each an RFC 8441 stream, all on one session of one TCP connection.
    expect(connections.map((connection) => connection.path).sort()).toEqual(['/ws/big', '/ws/closer', '/ws/victim']);
    for (const connection of connections) {
      expect(connection.carrier).toBe('http2-stream');
      expect(connection.headers[':method']).toBe('CONNECT');
      expect(connection.headers[':protocol']).toBe('websocket');
    }
    expect(new Set(connections.map((connection) => connection.session)).size).toBe(1);
    expect(eventStreamSessions).toEqual(new Set([connections[0].session]));
    expect(tcpConnections).toBe(1);
    expect(sessions.size).toBe(1);

    // The browser's side: echoes both ways, a 16 MiB echo, the close codes, and the
    // abrupt end of one WebSocket (RST_STREAM) while another went on.
    // permessage-deflate, offered by Chromium, is agreed over HTTP/2 as over HTTP/1.1.
    expect(record).toMatchObject({
      extensions: { big: 'permessage-deflate', closer: 'permessage-deflate', victim: 'permessage-deflate' },
      opened: 3,
      echoes: {
        big: ['hello from big', 'binary:1,2,3,3'],
        closer: ['hello from closer', 'binary:1,2,3,6'],
        victim: ['hello from victim', 'binary:1,2,3,6'],
      },
      bigEcho: `${BIG}:7:9:5`,
      afterAbort: 'after-abort',
      closes: { closer: [4001, 'asked', true], victim: [1006, '', false], big: [1000, '', true] },
      errors: [],
    });
    expect((record as { events: string[] }).events.sort()).toEqual(['a:first', 'a:last', 'b:first', 'b:last']);
    // Chromium answered each server ping with a pong; the server saw each close.
    expect(pongs.sort()).toEqual(['big:ping-big', 'closer:ping-closer', 'victim:ping-victim']);
    // Chromium echoes the reason of a close it did not start.
    expect(serverCloses).toMatchObject({ closer: [4001, 'asked', true], big: [1000, 'done', true] });
    expect(serverCloses.victim[0]).toBe(1006);
  });
});
