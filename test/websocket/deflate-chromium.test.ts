// permessage-deflate with a real browser: Debian's Chromium loads a page from our
// own HTTP server (a loopback page, so the browser lets it open a WebSocket to
// loopback), the page sends messages and gets them echoed, and the server side
// records the raw bytes in both directions and parses them, to prove RSV1 frames
// really crossed the wire both ways — not only that the messages arrived.
import { once } from 'node:events';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameParser, type ParserEvent } from '../../src/protocol/websocket/index.js';
import { type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import { launchChromium } from '../support/chromium.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>deflate</title><script>
const record = { extensions: undefined, received: [], done: false, error: undefined };
window.record = record;
const ws = new WebSocket('ws://' + location.host + '/echo');
ws.binaryType = 'arraybuffer';
const chat = (i) => JSON.stringify({ type: 'chat', room: 'lobby', user: 'user-' + i, text: 'hello from the browser, message ' + i + ' '.repeat(1) }).repeat(40);
const sent = [chat(1), 'tiny', chat(2), new Uint8Array(5000).fill(7), chat(3)];
ws.onopen = () => { record.extensions = ws.extensions; for (const message of sent) ws.send(message); };
ws.onmessage = (event) => {
  record.received.push(typeof event.data === 'string' ? event.data : 'binary:' + event.data.byteLength);
  if (record.received.length === sent.length) { record.done = true; ws.close(1000); }
};
ws.onerror = () => { record.error = 'error'; };
window.expected = sent.map((m) => typeof m === 'string' ? m : 'binary:' + m.length);
</script>`;

let browser: Browser;
let http: Server;
let port = 0;
const clientEvents: ParserEvent[] = [];
const serverEvents: ParserEvent[] = [];
let offer: string | undefined;

/** Parses a copy of every byte that crossed, as the other end reads them. */
function recorder(role: 'server' | 'client', events: ParserEvent[]): (bytes: Buffer) => void {
  const parser = new FrameParser({ role, allowedRsv: 4, onEvent: (event) => events.push(event) });
  return (bytes) => void parser.push(Buffer.from(bytes));
}

beforeAll(async () => {
  http = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
  });
  const wss = new WebSocketServer({ noServer: true, heartbeat: false, perMessageDeflate: { threshold: 0 } });
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    offer = request.headers['sec-websocket-extensions'];
    // What the browser sends: copied before the connection unmasks it in place.
    const fromBrowser = recorder('server', clientEvents);
    socket.prependListener('data', (chunk: Buffer) => fromBrowser(chunk));
    // What we send: everything written after the 101 response's head.
    const toBrowser = recorder('client', serverEvents);
    let inHead = true;
    const write = socket.write.bind(socket) as (chunk: Uint8Array | string, ...rest: unknown[]) => boolean;
    (socket as { write: unknown }).write = (chunk: Uint8Array | string, ...rest: unknown[]): boolean => {
      if (inHead) inHead = false;
      else toBrowser(Buffer.from(chunk as Uint8Array));
      return write(chunk, ...rest);
    };
    wss.handleUpgrade(request, socket, head, (connection: WebSocketConnection) => {
      connection.on('message', (data: Buffer, isBinary: boolean) => connection.send(data, { binary: isBinary }));
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  port = (http.address() as AddressInfo).port;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
});

describe('Chromium and our server, permessage-deflate', () => {
  it('the page agrees on it, its messages and our echoes cross compressed (RSV1), and arrive intact', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => (globalThis as { record?: { done: boolean; error?: string } }).record?.done || (globalThis as { record?: { error?: string } }).record?.error, undefined, { timeout: 30_000 });
      const { record, expected } = await page.evaluate(() => {
        const scope = globalThis as unknown as { record: { extensions: string; received: string[]; error?: string }; expected: string[] };
        return { record: scope.record, expected: scope.expected };
      });
      expect(record.error).toBeUndefined();
      expect(offer).toBe('permessage-deflate; client_max_window_bits');
      expect(record.extensions).toBe('permessage-deflate');
      expect(record.received).toEqual(expected);
    } finally {
      await page.close();
    }
    const fromBrowser = clientEvents.filter((event) => event.type === 'message');
    const toBrowser = serverEvents.filter((event) => event.type === 'message');
    expect(fromBrowser).toHaveLength(5);
    expect(toBrowser).toHaveLength(5);
    // Our echoes: every one compressed (threshold 0).
    expect(toBrowser.map((event) => (event as { rsv: number }).rsv)).toEqual([4, 4, 4, 4, 4]);
    // Chromium compresses what it sends too: at least the large messages carry RSV1, and are smaller than they were.
    const compressedByBrowser = fromBrowser.filter((event) => (event as { rsv: number }).rsv === 4) as { data: Buffer }[];
    expect(compressedByBrowser.length).toBeGreaterThanOrEqual(3);
    for (const event of compressedByBrowser) expect(event.data.length).toBeLessThan(1000);
  });
});
