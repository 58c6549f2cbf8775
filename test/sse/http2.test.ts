// Many event streams on one HTTP/2 connection: the cure for HTTP/1.1's six-connections-per-
// origin limit in browsers. Checked over h2c and over TLS.
import { readFileSync } from 'node:fs';
import { connect, constants, createSecureServer, createServer, type ClientHttp2Session, type Http2Server, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { EventStreamParser, type SseParseItem } from '../../src/protocol/sse/index.js';
import { createSseHandler } from '../../src/sse/index.js';
import { waitFor } from '../support/sse/net.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../support/sse/${name}`, import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type AnyHttp2Server = Http2Server | Http2SecureServer;

async function run(makeServer: (hub: MemoryHub) => AnyHttp2Server, scheme: 'http' | 'https') {
  const hub = new MemoryHub({ epoch: 'h2' });
  const server = makeServer(hub);
  let connections = 0;
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const session: ClientHttp2Session = connect(`${scheme}://localhost:${port}`, scheme === 'https' ? { ca: fixture('localhost-cert.pem') } : {});
  cleanups.push(
    () => hub.close(),
    () => new Promise<void>((resolve) => server.close(() => resolve())),
    () => void session.destroy(),
  );

  const streams = Array.from({ length: 20 }, () => {
    const stream = session.request({ ':path': '/?channel=ticker' });
    const parser = new EventStreamParser();
    const record = { items: [] as SseParseItem[], headers: {} as Record<string, unknown> };
    stream.on('response', (headers) => (record.headers = headers));
    stream.on('data', (chunk: Buffer) => record.items.push(...parser.push(chunk)));
    return { stream, record };
  });
  await waitFor(() => hub.subscriberCount('ticker') === 20, '20 subscriptions');
  for (let i = 1; i <= 3; i++) await hub.publish('ticker', { data: `tick ${i}` });
  const events = (items: SseParseItem[]) => items.filter((item) => item.type === 'event');
  await waitFor(() => streams.every(({ record }) => events(record.items).length === 3), 'every stream gets every event');

  expect(connections).toBe(1);
  for (const { record } of streams) {
    expect(record.headers[':status']).toBe(200);
    expect(record.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(record.headers['cache-control']).toBe('no-cache, no-transform');
    expect(record.items[0]).toEqual({ type: 'retry', retry: 3000 });
    expect(events(record.items)).toEqual([1, 2, 3].map((i) => ({ type: 'event', event: 'message', data: `tick ${i}`, lastEventId: `h2-${i}` })));
  }
  // Closing the streams (not the connection) releases every subscription.
  for (const { stream } of streams) stream.close();
  await waitFor(() => hub.subscriberCount('ticker') === 0, 'unsubscribed');
  expect(session.destroyed).toBe(false);
}

describe('SSE over HTTP/2', () => {
  it('carries 20 concurrent event streams on one h2c connection', async () => {
    await run((hub) => createServer(createSseHandler({ hub, keepAliveMs: 0 })), 'http');
  });

  it('carries 20 concurrent event streams on one TLS connection', async () => {
    await run(
      (hub) => createSecureServer({ key: fixture('localhost-key.pem'), cert: fixture('localhost-cert.pem') }, createSseHandler({ hub, keepAliveMs: 0 })),
      'https',
    );
  });

  it('disconnects a slow HTTP/2 stream without touching the others', async () => {
    const hub = new MemoryHub({ epoch: 'h2' });
    const reasons: string[] = [];
    const server = createServer(createSseHandler({ hub, keepAliveMs: 0, maxBufferedBytes: 32 * 1024, onStreamClose: (reason) => reasons.push(reason) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    cleanups.push(
      () => hub.close(),
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => void session.destroy(),
    );
    const slow = session.request({ ':path': '/?channel=big' });
    slow.pause();
    slow.on('error', () => {});
    const fast = session.request({ ':path': '/?channel=small' });
    let fastBytes = 0;
    fast.on('data', (chunk: Buffer) => (fastBytes += chunk.length));
    await waitFor(() => hub.subscriberCount('big') === 1 && hub.subscriberCount('small') === 1, 'subscriptions');
    const big = 'y'.repeat(8 * 1024);
    for (let i = 0; i < 200 && reasons.length === 0; i++) {
      await hub.publish('big', { data: big });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(reasons).toEqual(['slow-client']);
    // RST_STREAM with CANCEL (RFC 9113 §8.7): the stream is no longer needed.
    await waitFor(() => slow.closed, 'slow stream reset');
    expect(slow.rstCode).toBe(constants.NGHTTP2_CANCEL);
    await hub.publish('small', { data: 'still here' });
    await waitFor(() => fastBytes > 20, 'fast stream still served');
    expect(hub.subscriberCount('small')).toBe(1);
    fast.close();
  });
});
