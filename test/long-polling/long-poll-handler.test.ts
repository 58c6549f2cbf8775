import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HubInputError, MemoryHub } from '../../src/hub/index.js';
import { createLongPollHandler, type LongPollHandlerOptions } from '../../src/long-polling/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(options: Partial<LongPollHandlerOptions> = {}) {
  const hub = new MemoryHub({ epoch: 'lp' });
  const handler = createLongPollHandler({ hub, holdMs: 5000, ...options });
  const server = createServer(handler);
  const base = await listen(server);
  cleanups.push(() => shut(server), () => handler.close(), () => hub.close());
  return { hub, handler, base };
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}

function call(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('long-poll GET', () => {
  it('answers at once with what came after the cursor', async () => {
    const { hub, base } = await start();
    for (let i = 1; i <= 3; i++) await hub.publish('c', { data: `m${i}`, ...(i === 2 ? { event: 'note' } : {}) });
    const answer = await call(`${base}/?channel=c&cursor=lp-1`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toEqual({
      cursor: 'lp-3',
      messages: [
        { id: 'lp-2', event: 'note', data: 'm2' },
        { id: 'lp-3', data: 'm3' },
      ],
    });
  });

  it('holds the request until a message arrives', async () => {
    const { hub, handler, base } = await start();
    const pending = call(`${base}/?channel=c&cursor=lp-0`);
    await waitFor(() => handler.heldPolls === 1 && hub.subscriberCount('c') === 1, 'held poll');
    await hub.publish('c', { data: 'now' });
    expect((await pending).body).toEqual({ cursor: 'lp-1', messages: [{ id: 'lp-1', data: 'now' }] });
    expect(handler.heldPolls).toBe(0);
    expect(hub.subscriberCount('c')).toBe(0);
  });

  it('batches a burst of live messages into one answer', async () => {
    const { hub, handler, base } = await start();
    const pending = call(`${base}/?channel=c&cursor=lp-0`);
    await waitFor(() => handler.heldPolls === 1, 'held poll');
    void hub.publish('c', { data: 'a' });
    void hub.publish('c', { data: 'b' });
    const { body } = (await pending) as { body: { messages: unknown[]; cursor: string } };
    expect(body).toEqual({ cursor: 'lp-2', messages: [{ id: 'lp-1', data: 'a' }, { id: 'lp-2', data: 'b' }] });
  });

  it('answers empty with the same cursor after holdMs', async () => {
    const { hub, base } = await start({ holdMs: 30 });
    await hub.publish('c', { data: 'x' });
    expect((await call(`${base}/?channel=c&cursor=lp-1`)).body).toEqual({ cursor: 'lp-1', messages: [] });
  });

  it('without a cursor waits for new messages only and hands out the head as cursor', async () => {
    const { hub, base } = await start({ holdMs: 30 });
    await hub.publish('c', { data: 'old' });
    expect((await call(`${base}/?channel=c`)).body).toEqual({ cursor: 'lp-1', messages: [] });
  });

  it('splits a long backlog over several answers with maxMessagesPerPoll', async () => {
    const { hub, base } = await start({ maxMessagesPerPoll: 2 });
    for (let i = 1; i <= 5; i++) await hub.publish('c', { data: String(i) });
    const pages: string[][] = [];
    let cursor = 'lp-0';
    while (cursor !== 'lp-5') {
      const { body } = (await call(`${base}/?channel=c&cursor=${cursor}`)) as { body: { cursor: string; messages: { data: string }[] } };
      pages.push(body.messages.map((m) => m.data));
      cursor = body.cursor;
    }
    expect(pages).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('closes an answer once its messages reach maxBytesPerPoll: large messages come a few per poll, none lost or repeated', async () => {
    const { hub, base } = await start({ maxBytesPerPoll: 250_000 });
    // Escaped in JSON, a control character takes six: the budget counts the JSON, not the data.
    const large = (i: number): string => String(i).padEnd(100_000, '\u0001');
    for (let i = 1; i <= 6; i++) await hub.publish('c', { data: large(i) });
    const pages: number[][] = [];
    let cursor = 'lp-0';
    while (cursor !== 'lp-6') {
      const { body } = (await call(`${base}/?channel=c&cursor=${cursor}`)) as { body: { cursor: string; messages: { data: string }[] } };
      pages.push(body.messages.map((m) => Number.parseInt(m.data, 10)));
      for (const m of body.messages) expect(m.data).toBe(large(Number.parseInt(m.data, 10)));
      cursor = body.cursor;
    }
    // Each message is ~600 KB of JSON: every answer closes after its first message.
    expect(pages).toEqual([[1], [2], [3], [4], [5], [6]]);
  });

  it('reports a gap and moves the cursor on', async () => {
    const { hub, base } = await start({ holdMs: 20 });
    await hub.publish('c', { data: 'x' });
    expect((await call(`${base}/?channel=c&cursor=gone-9`)).body).toEqual({
      cursor: 'lp-1',
      messages: [{ id: 'lp-1', data: 'x' }],
      gap: { reason: 'epoch-changed', since: 'gone-9', firstAvailableId: 'lp-1' },
    });
    expect((await call(`${base}/?channel=empty&cursor=junk`)).body).toEqual({
      cursor: 'lp-0',
      messages: [],
      gap: { reason: 'unknown-id', since: 'junk', firstAvailableId: null },
    });
  });

  it('lets a newer poll from the same client replace the held one', async () => {
    const { hub, handler, base } = await start();
    const first = call(`${base}/?channel=c&cursor=lp-0&client=abc`);
    await waitFor(() => handler.heldPolls === 1, 'first held');
    const second = call(`${base}/?channel=c&cursor=lp-0&client=abc`);
    expect((await first).body).toEqual({ cursor: 'lp-0', messages: [] });
    await waitFor(() => handler.heldPolls === 1 && hub.subscriberCount('c') === 1, 'second held');
    await hub.publish('c', { data: 'y' });
    expect((await second).body).toEqual({ cursor: 'lp-1', messages: [{ id: 'lp-1', data: 'y' }] });
  });

  it('cleans up a held poll whose client went away', async () => {
    const { hub, handler, base } = await start();
    const req = httpRequest(`${base}/?channel=c`);
    req.on('error', () => undefined);
    req.end();
    await waitFor(() => handler.heldPolls === 1, 'held');
    req.destroy();
    await waitFor(() => handler.heldPolls === 0 && hub.subscriberCount('c') === 0, 'released');
  });

  it('answers held polls when closed, and 503 past maxHeldPolls', async () => {
    const { handler, base } = await start({ maxHeldPolls: 1 });
    const held = call(`${base}/?channel=c`);
    await waitFor(() => handler.heldPolls === 1, 'held');
    const refused = await call(`${base}/?channel=c`);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    handler.close();
    expect((await held).body).toEqual({ cursor: 'lp-0', messages: [] });
  });

  it('answers 503 when the hub fails', async () => {
    const errors: Error[] = [];
    const { hub, handler, base } = await start({ onError: (error) => errors.push(error) });
    const held = call(`${base}/?channel=c`);
    await waitFor(() => handler.heldPolls === 1, 'held');
    await hub.close();
    expect((await held).status).toBe(503);
    expect((await call(`${base}/?channel=c`)).status).toBe(503);
    expect(errors.map((e) => e.name)).toEqual(['HubClosedError', 'HubClosedError']);
  });

  it('rejects bad requests', async () => {
    const { base } = await start();
    expect((await call(`${base}/`)).status).toBe(400);
    expect((await call(`${base}/?channel=${'c'.repeat(300)}`)).status).toBe(400);
    expect((await call(`${base}/?channel=c&cursor=${'x'.repeat(2000)}`)).status).toBe(400);
    const put = await call(`${base}/?channel=c`, 'PUT');
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, POST');
  });

  it('rejects bad options', () => {
    const hub = new MemoryHub();
    expect(() => createLongPollHandler({ hub, holdMs: -1 })).toThrow(/holdMs/);
    expect(() => createLongPollHandler({ hub, maxMessagesPerPoll: 0 })).toThrow(/maxMessagesPerPoll/);
    expect(() => createLongPollHandler({ hub, maxBytesPerPoll: 0 })).toThrow(/maxBytesPerPoll/);
    expect(() => createLongPollHandler({ hub, maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
    expect(() => createLongPollHandler({ hub, bodyTimeoutMs: 0 })).toThrow(/bodyTimeoutMs/);
  });
});

describe('long-poll POST', () => {
  it('publishes the message to the channel by default', async () => {
    const { hub, base } = await start();
    const answer = await call(`${base}/?channel=chat`, 'POST', JSON.stringify({ data: 'hi', event: 'say' }));
    expect(answer).toMatchObject({ status: 200, body: { id: 'lp-1' } });
    const plain = await call(`${base}/?channel=chat`, 'POST', JSON.stringify({ data: 'plain' }));
    expect(plain.body).toEqual({ id: 'lp-2' });
    expect((await call(`${base}/?channel=chat&cursor=lp-0`)).body).toEqual({
      cursor: 'lp-2',
      messages: [
        { id: 'lp-1', event: 'say', data: 'hi' },
        { id: 'lp-2', data: 'plain' },
      ],
    });
    expect(hub.subscriberCount('chat')).toBe(0);
  });

  it('rejects malformed and oversized bodies', async () => {
    const { base } = await start({ maxBodyBytes: 100 });
    expect((await call(`${base}/?channel=c`, 'POST', 'not json')).status).toBe(400);
    expect((await call(`${base}/?channel=c`, 'POST', JSON.stringify({ data: 1 }))).status).toBe(400);
    expect((await call(`${base}/?channel=c`, 'POST', JSON.stringify({ data: 'x'.repeat(200) }))).status).toBe(413);
  });

  it('answers 408 and closes when a POST body trickles in past bodyTimeoutMs, and publishes nothing', async () => {
    const { base, hub } = await start({ bodyTimeoutMs: 300 });
    const published: string[] = [];
    await hub.subscribe('slow', (event) => {
      if (event.type === 'message') published.push(event.message.data);
    });
    const url = new URL(`${base}/?channel=slow`);
    const socket = connect(Number(url.port), url.hostname);
    cleanups.push(() => void socket.destroy());
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    // The server closing while the body still trickles is the point: a byte written
    // after its FIN fails with EPIPE (at once on Deno, seen in CI), which is no error here.
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const body = JSON.stringify({ data: 'slow' });
    socket.write(`POST /?channel=slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    // One byte every 100 ms: the whole body would take longer than the limit.
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < body.length && !socket.destroyed && !socket.readableEnded) socket.write(body[sent++]);
    }, 100);
    cleanups.push(() => clearInterval(trickle));
    const started = Date.now();
    await closed;
    expect(answer.startsWith('HTTP/1.1 408 Request Timeout\r\n')).toBe(true);
    expect(answer).toContain('body took longer than 300 ms');
    // Bounded: at the limit, not when the body would have finished (~1.6 s).
    expect(Date.now() - started).toBeLessThan(1500);
    expect(sent).toBeLessThan(body.length);
    expect(published).toEqual([]);
  });

  it('hands messages to onPost, mapping its errors to 400 and 500', async () => {
    const got: [unknown, string][] = [];
    const errors: Error[] = [];
    const { base } = await start({
      onError: (error) => errors.push(error),
      onPost: (message, channel) => {
        got.push([message, channel]);
        if (message.data === 'bad') throw new HubInputError('refused');
        if (message.data === 'fail') throw new Error('store down');
      },
    });
    expect(await call(`${base}/?channel=room`, 'POST', JSON.stringify({ data: 'ok' }))).toMatchObject({ status: 200, body: {} });
    expect(await call(`${base}/?channel=room`, 'POST', JSON.stringify({ data: 'bad' }))).toMatchObject({ status: 400, body: { error: 'refused' } });
    expect((await call(`${base}/?channel=room`, 'POST', JSON.stringify({ data: 'fail' }))).status).toBe(500);
    expect(got.map(([message]) => message)).toEqual([{ data: 'ok' }, { data: 'bad' }, { data: 'fail' }]);
    expect(errors.map((e) => e.message)).toEqual(['store down']);
  });
});
