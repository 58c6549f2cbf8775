// A real browser's EventSource (Debian's Chromium, driven by playwright-core) against our
// server: messages, named events, ids, resume with Last-Event-ID after the server drops the
// connection, and more than six streams at once over HTTP/2.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { MemoryHub } from '../../src/hub/index.js';
import { createSseHandler } from '../../src/sse/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../support/sse/${name}`, import.meta.url));

// The page opens `count` EventSources on `path` and records what they see in window.seen.
const page = (path: string, count: number): string => `<!doctype html><meta charset="utf-8"><script>
  window.seen = [];
  for (let i = 0; i < ${count}; i++) {
    const source = new EventSource(${JSON.stringify(path)});
    source.onmessage = (e) => window.seen.push([i, 'message', e.data, e.lastEventId]);
    source.addEventListener('note', (e) => window.seen.push([i, 'note', e.data, e.lastEventId]));
  }
</script>`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  // Undefined when the launch failed: that failure is the one to report.
  await browser?.close();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type Seen = [number, string, string, string][];

/** What the page recorded, once it holds at least `count` entries (or after 5 s). */
async function seenInPage(tab: Page, count: number): Promise<Seen> {
  const start = Date.now();
  for (;;) {
    const seen = (await tab.evaluate('window.seen')) as Seen;
    if (seen.length >= count || Date.now() - start > 5000) return seen;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Chromium EventSource against our server', () => {
  it('receives messages and named events, and resumes with Last-Event-ID after drops', async () => {
    const hub = new MemoryHub({ epoch: 'br' });
    const sse = createSseHandler({ hub, retryMs: 50, keepAliveMs: 0 });
    const lastEventIds: (string | undefined)[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('/events?channel=c', 1));
        return;
      }
      // Only the event streams (the browser also asks for /favicon.ico).
      if (req.url?.startsWith('/events')) lastEventIds.push(req.headers['last-event-id'] as string | undefined);
      sse(req, res);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const base = await listen(server);
    const tab = await browser.newPage();
    cleanups.push(() => shut(server), () => hub.close(), () => tab.close());
    await tab.goto(base);
    await waitFor(() => hub.subscriberCount('c') === 1, 'the browser stream');

    let published = 0;
    for (let round = 0; round < 3; round++) {
      await hub.publish('c', { data: `m${++published}` });
      await hub.publish('c', { data: `é😀 ${++published}\nsecond line`, event: 'note' });
      expect((await seenInPage(tab, published)).length).toBe(published);
      // Drop the connection; the browser reconnects (retry: 50) with Last-Event-ID.
      for (const socket of sockets) socket.destroy();
      await hub.publish('c', { data: `while away ${++published}` });
    }
    const got = await seenInPage(tab, published);
    expect(got.map(([, type, data, id]) => [type, data, id])).toEqual([
      ['message', 'm1', 'br-1'],
      ['note', 'é😀 2\nsecond line', 'br-2'],
      ['message', 'while away 3', 'br-3'],
      ['message', 'm4', 'br-4'],
      ['note', 'é😀 5\nsecond line', 'br-5'],
      ['message', 'while away 6', 'br-6'],
      ['message', 'm7', 'br-7'],
      ['note', 'é😀 8\nsecond line', 'br-8'],
      ['message', 'while away 9', 'br-9'],
    ]);
    expect(lastEventIds.slice(0, 4)).toEqual([undefined, 'br-2', 'br-5', 'br-8']);
  });

  it('runs ten event streams from one page over a single HTTP/2 connection', async () => {
    const hub = new MemoryHub({ epoch: 'h2' });
    const sse = createSseHandler({ hub, keepAliveMs: 0 });
    let connections = 0;
    const server = createSecureServer(
      { key: fixture('localhost-key.pem'), cert: fixture('localhost-cert.pem') },
      (req: Http2ServerRequest, res: Http2ServerResponse) => {
        if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('/events?channel=many', 10));
        else sse(req, res);
      },
    );
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const tab = await context.newPage();
    cleanups.push(
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => hub.close(),
      () => context.close(),
    );
    await tab.goto(`https://localhost:${(server.address() as AddressInfo).port}/`);
    // Over HTTP/1.1 a browser would stall every stream past the sixth.
    await waitFor(() => hub.subscriberCount('many') === 10, 'ten streams');
    await hub.publish('many', { data: 'to all' });
    const got = await seenInPage(tab, 10);
    expect(got.map(([i]) => i).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(got.every(([, type, data, id]) => type === 'message' && data === 'to all' && id === 'h2-1')).toBe(true);
    expect(connections).toBe(1);
  });
});
