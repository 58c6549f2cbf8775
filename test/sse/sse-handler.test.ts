import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { DEFAULT_MAX_DATA_LENGTH } from '../../src/protocol/hub/contract.js';
import { serializeEvent } from '../../src/protocol/sse/index.js';
import { createSseHandler, SSE_DEFAULTS, SseStream, type SseCloseReason, type SseHandlerOptions, type SseStreamOptions } from '../../src/sse/index.js';
import { eventsOf, listen, readStream, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(options: Partial<SseHandlerOptions> = {}) {
  const hub = new MemoryHub({ epoch: 'e' });
  const closes: SseCloseReason[] = [];
  const handler = createSseHandler({ hub, onStreamClose: (reason) => closes.push(reason), ...options });
  const server = createServer(handler);
  const base = await listen(server);
  cleanups.push(() => shut(server), () => hub.close());
  return { hub, server, base, closes };
}

describe('SSE handler over node:http', () => {
  it('answers with event-stream headers and sends retry first', async () => {
    const { base } = await start({ retryMs: 1234 });
    const reader = await readStream(`${base}/?channel=c`);
    expect(reader.response.statusCode).toBe(200);
    expect(reader.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(reader.response.headers['cache-control']).toBe('no-cache, no-transform');
    expect(reader.response.headers['x-accel-buffering']).toBe('no');
    expect(reader.response.headers['content-encoding']).toBeUndefined();
    // Default HTTP/1.1 framing: the body ends with the connection, no chunk framing.
    expect(reader.response.headers.connection).toBe('close');
    expect(reader.response.headers['transfer-encoding']).toBeUndefined();
    await waitFor(() => reader.items.length > 0, 'retry');
    expect(reader.text.startsWith('retry: 1234\n\n')).toBe(true);
    expect(reader.items[0]).toEqual({ type: 'retry', retry: 1234 });
    reader.close();
  });

  it('can use chunked framing instead, keeping the connection reusable', async () => {
    const { hub, base } = await start({ http1Framing: 'chunked' });
    const reader = await readStream(`${base}/?channel=c`);
    expect(reader.response.headers['transfer-encoding']).toBe('chunked');
    expect(reader.response.headers.connection).toBe('keep-alive');
    await waitFor(() => hub.subscriberCount('c') === 1, 'subscription');
    await hub.publish('c', { data: 'chunked' });
    await waitFor(() => eventsOf(reader.items).length === 1, 'event');
    expect(eventsOf(reader.items)).toEqual([['message', 'chunked', 'e-1']]);
    reader.close();
  });

  it('writes each published message at once with its hub id and event name', async () => {
    const { hub, base } = await start();
    const reader = await readStream(`${base}/?channel=news`);
    await waitFor(() => hub.subscriberCount('news') === 1, 'subscription');
    await hub.publish('news', { data: 'line 1\nline 2' });
    await waitFor(() => eventsOf(reader.items).length === 1, 'first event');
    await hub.publish('news', { data: '{"x":1}', event: 'update' });
    await waitFor(() => eventsOf(reader.items).length === 2, 'second event');
    expect(eventsOf(reader.items)).toEqual([
      ['message', 'line 1\nline 2', 'e-1'],
      ['update', '{"x":1}', 'e-2'],
    ]);
    reader.close();
  });

  it('replays after the Last-Event-ID header, or the lastEventId query parameter', async () => {
    const { hub, base } = await start();
    for (let i = 1; i <= 4; i++) await hub.publish('c', { data: `m${i}` });
    const byHeader = await readStream(`${base}/?channel=c`, { 'last-event-id': 'e-2' });
    const byQuery = await readStream(`${base}/?channel=c&lastEventId=e-3`);
    // The header wins over the query parameter.
    const both = await readStream(`${base}/?channel=c&lastEventId=e-0`, { 'last-event-id': 'e-3' });
    await waitFor(() => eventsOf(byHeader.items).length === 2 && eventsOf(byQuery.items).length === 1 && eventsOf(both.items).length === 1, 'replays');
    expect(eventsOf(byHeader.items).map(([, data]) => data)).toEqual(['m3', 'm4']);
    expect(eventsOf(byQuery.items).map(([, data]) => data)).toEqual(['m4']);
    expect(eventsOf(both.items).map(([, data]) => data)).toEqual(['m4']);
    for (const reader of [byHeader, byQuery, both]) reader.close();
  });

  it('sends a gap notice without an id when the history no longer reaches Last-Event-ID', async () => {
    const { hub, base } = await start();
    await hub.publish('c', { data: 'x' });
    const reader = await readStream(`${base}/?channel=c`, { 'last-event-id': 'other-5' });
    await waitFor(() => eventsOf(reader.items).length === 2, 'gap and replay');
    const [gap, replayed] = eventsOf(reader.items);
    expect(gap[0]).toBe('gap');
    expect(JSON.parse(gap[1])).toEqual({ reason: 'epoch-changed', since: 'other-5', firstAvailableId: 'e-1' });
    expect(gap[2]).toBe('');
    expect(replayed).toEqual(['message', 'x', 'e-1']);
    reader.close();
  });

  it('sends keep-alive comments only while idle', async () => {
    const { hub, base } = await start({ keepAliveMs: 30 });
    const reader = await readStream(`${base}/?channel=c`);
    await waitFor(() => reader.items.filter((item) => item.type === 'comment').length >= 2, 'keep-alive comments');
    expect(reader.text).toContain(':\n');
    expect(hub.subscriberCount('c')).toBe(1);
    reader.close();
  });

  it('cleans up (subscription, timer) when the client goes away', async () => {
    const { hub, base, closes } = await start({ keepAliveMs: 10 });
    const reader = await readStream(`${base}/?channel=c`);
    await waitFor(() => hub.subscriberCount('c') === 1, 'subscription');
    reader.close();
    await waitFor(() => hub.subscriberCount('c') === 0, 'unsubscribe');
    expect(closes).toEqual(['client-gone']);
  });

  it('ends the stream when the hub closes', async () => {
    const errors: Error[] = [];
    const { hub, base, closes } = await start({ onError: (error) => errors.push(error) });
    const reader = await readStream(`${base}/?channel=c`);
    await waitFor(() => hub.subscriberCount('c') === 1, 'subscription');
    await hub.close();
    await waitFor(() => reader.ended, 'end of stream');
    expect(closes).toEqual(['closed']);
    expect(errors[0]?.name).toBe('HubClosedError');
  });

  it('ends the stream when the subscription cannot be made', async () => {
    const errors: Error[] = [];
    const { hub, base } = await start({ onError: (error) => errors.push(error) });
    await hub.close();
    const reader = await readStream(`${base}/?channel=c`);
    await waitFor(() => reader.ended, 'end of stream');
    expect(errors[0]?.name).toBe('HubClosedError');
  });

  it('disconnects a client that does not read instead of buffering without bound', async () => {
    const { hub, base, closes } = await start({ maxBufferedAmount: 64 * 1024 });
    const { port } = new URL(base);
    const socket = connect(Number(port), '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    socket.write('GET /?channel=slow HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    await waitFor(() => hub.subscriberCount('slow') === 1, 'subscription');
    const big = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 400 && closes.length === 0; i++) {
      await hub.publish('slow', { data: big });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(closes).toEqual(['slow-client']);
    expect(hub.subscriberCount('slow')).toBe(0);
  });

  it('keeps a reading client through messages of the largest size the hub accepts by default (the buffer limit holds several)', async () => {
    // With a limit of one message's size (the former 1 MiB default) this client was dropped
    // as too slow on the first such message: most of it is still queued right after the write.
    const { hub, base, closes } = await start();
    const reader = await readStream(`${base}/?channel=big`);
    await waitFor(() => hub.subscriberCount('big') === 1, 'subscription');
    // Exactly the hub's limit: the client parser's default maxEventSize leaves room for the field name and line ends.
    const data = 'x'.repeat(DEFAULT_MAX_DATA_LENGTH);
    for (let i = 0; i < 3; i++) await hub.publish('big', { data });
    await waitFor(() => eventsOf(reader.items).length === 3 || closes.length > 0, 'three large events', 10_000);
    expect(closes).toEqual([]);
    expect(eventsOf(reader.items).map((event) => event[1] === data)).toEqual([true, true, true]);
    expect(SSE_DEFAULTS.maxBufferedAmount).toBe(8 * DEFAULT_MAX_DATA_LENGTH);
    // Even the worst-case single event fits: data of newlines costs 7 bytes a character on the wire.
    const worst = serializeEvent({ data: '\n'.repeat(DEFAULT_MAX_DATA_LENGTH) });
    expect(worst.length).toBeGreaterThan(7 * DEFAULT_MAX_DATA_LENGTH);
    expect(worst.length).toBeLessThan(SSE_DEFAULTS.maxBufferedAmount);
    reader.close();
  });

  it('rejects requests it cannot serve', async () => {
    const { base } = await start({ channel: (_req, url) => {
      if (url.searchParams.has('boom')) throw new Error('bad channel name');
      return url.searchParams.get('channel');
    } });
    const status = (path: string, method = 'GET', headers: Record<string, string> = {}) =>
      new Promise<[number, string]>((resolve, reject) => {
        const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve([res.statusCode ?? 0, body]));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status('/')).toEqual([400, 'missing channel\n']);
    expect(await status('/?channel=c', 'POST')).toEqual([405, 'event streams are read with GET\n']);
    expect((await status(`/?channel=${'c'.repeat(300)}`))[0]).toBe(400);
    expect(await status('/?boom=1')).toEqual([400, 'bad channel name\n']);
    expect(await status('/?channel=c', 'GET', { 'last-event-id': 'x'.repeat(2000) })).toEqual([400, 'Last-Event-ID too long\n']);
  });
});

describe('SseStream', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await shut(server);
    server = undefined;
  });

  it('sends a comment instead of retry when retryMs is null, and ends on close()', async () => {
    const streams: SseStream[] = [];
    server = createServer((_req, res) => {
      const stream = new SseStream(res, { retryMs: null, keepAliveMs: 0, headers: { 'access-control-allow-origin': '*' } });
      streams.push(stream);
      stream.send({ event: 'hello', data: 'world', id: '1' });
    });
    const base = await listen(server);
    const reader = await readStream(base);
    expect(reader.response.headers['access-control-allow-origin']).toBe('*');
    await waitFor(() => eventsOf(reader.items).length === 1, 'event');
    expect(reader.text).toBe(':\nevent: hello\nid: 1\ndata: world\n\n');
    const closed: SseCloseReason[] = [];
    streams[0].onClose((reason) => closed.push(reason));
    streams[0].close();
    streams[0].close();
    await waitFor(() => reader.ended, 'end');
    expect(closed).toEqual(['closed']);
    expect(streams[0].closed).toBe(true);
    expect(streams[0].closeReason).toBe('closed');
    expect(streams[0].send({ data: 'late' })).toBe(false);
    expect(streams[0].comment('late')).toBe(false);
    streams[0].onClose((reason) => closed.push(reason));
    expect(closed).toEqual(['closed', 'closed']);
  });

  it.each<[SseStreamOptions, string]>([
    [{ keepAliveMs: -1 }, 'keepAliveMs must be >= 0'],
    [{ maxBufferedAmount: 0 }, 'maxBufferedAmount must be a positive integer, got 0'],
    // The former name is still read, and the new one wins over it.
    [{ maxBufferedBytes: 1.5 }, 'maxBufferedAmount must be a positive integer, got 1.5'],
    [{ maxBufferedAmount: -1, maxBufferedBytes: 1024 }, 'maxBufferedAmount must be a positive integer, got -1'],
    [{ maxBufferedAmount: 1024, maxBufferedBytes: -1 }, 'no error'],
  ])('checks its options: %j', async (options, message) => {
    server = createServer((_req, res) => {
      try {
        new SseStream(res, { keepAliveMs: 0, ...options });
      } catch (error) {
        res.end((error as Error).message);
        return;
      }
      res.end('no error');
    });
    const base = await listen(server);
    const reader = await readStream(base);
    await waitFor(() => reader.ended, 'end');
    expect(reader.text.endsWith(message)).toBe(true);
  });
});
