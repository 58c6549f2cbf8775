import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { LongPollClient, LongPollHttpError, createLongPollHandler } from '../../src/long-polling/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(holdMs = 5000) {
  const hub = new MemoryHub({ epoch: 'lp' });
  const handler = createLongPollHandler({ hub, holdMs });
  const server = createServer(handler);
  const base = await listen(server);
  cleanups.push(() => shut(server), () => handler.close(), () => hub.close());
  return { hub, handler, base };
}

async function serveRaw(respond: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  let n = 0;
  const urls: string[] = [];
  const server = createServer((req, res) => {
    urls.push(req.url ?? '');
    respond(req, res, ++n);
  });
  const base = await listen(server);
  cleanups.push(() => shut(server));
  return { base, urls };
}

function client(url: string, init: ConstructorParameters<typeof LongPollClient>[1] = {}): LongPollClient {
  const c = new LongPollClient(url, { backoff: { initialDelayMs: 5, maxDelayMs: 40 }, ...init });
  cleanups.push(() => c.close());
  return c;
}

describe('LongPollClient', () => {
  it('has the EventSource event API: open, message, named events, lastEventId', async () => {
    const { hub, handler, base } = await start();
    const c = client(`${base}/?channel=c`);
    expect(c.readyState).toBe(LongPollClient.CONNECTING);
    expect([c.CONNECTING, c.OPEN, c.CLOSED]).toEqual([0, 1, 2]);
    const seen: string[] = [];
    c.onopen = () => seen.push('open');
    c.onmessage = (event) => seen.push(`message:${event.data}:${event.lastEventId}:${event.origin}`);
    c.addEventListener('note', (event) => seen.push(`note:${(event as MessageEvent).data}`));
    await waitFor(() => handler.heldPolls === 1, 'first poll held');
    await hub.publish('c', { data: 'hello' });
    await hub.publish('c', { data: 'n', event: 'note' });
    await waitFor(() => seen.length === 3, 'events');
    expect(seen).toEqual(['open', `message:hello:lp-1:${base}`, 'note:n']);
    expect(c.readyState).toBe(LongPollClient.OPEN);
    expect(c.lastEventId).toBe('lp-2');
  });

  it('sends messages with POST and receives them back through the hub', async () => {
    const { handler, base } = await start();
    const c = client(`${base}/?channel=chat`);
    const data: string[] = [];
    c.onmessage = (event) => data.push(event.data as string);
    await waitFor(() => handler.heldPolls === 1, 'poll held');
    expect(await c.send('ping')).toBe('lp-1');
    expect(await c.send('pong', { event: 'reply' })).toBe('lp-2');
    await waitFor(() => data.length === 1, 'echo');
    expect(data).toEqual(['ping']);
  });

  it('rejects send() on an HTTP error', async () => {
    const { base } = await serveRaw((req, res) => {
      if (req.method === 'POST') res.writeHead(403).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cursor: '', messages: [] }));
    });
    const c = client(base);
    await expect(c.send('x')).rejects.toThrow(LongPollHttpError);
    await expect(c.send('x')).rejects.toMatchObject({ status: 403 });
  });

  it('resumes from the lastEventId option and dispatches a gap notice', async () => {
    const { hub, base } = await start();
    for (let i = 1; i <= 3; i++) await hub.publish('c', { data: String(i) });
    const resumed = client(`${base}/?channel=c`, { lastEventId: 'lp-1' });
    const data: string[] = [];
    resumed.onmessage = (event) => data.push(event.data as string);
    await waitFor(() => data.length === 2, 'replay');
    expect(data).toEqual(['2', '3']);

    const stale = client(`${base}/?channel=c`, { lastEventId: 'old-7' });
    const gaps: unknown[] = [];
    stale.addEventListener('gap', (event) => gaps.push(JSON.parse((event as MessageEvent).data as string)));
    await waitFor(() => gaps.length === 1, 'gap');
    expect(gaps[0]).toEqual({ reason: 'epoch-changed', since: 'old-7', firstAvailableId: 'lp-1' });
  });

  it('fires error and retries with backoff on 5xx, malformed answers and timeouts', async () => {
    const { base, urls } = await serveRaw((_req, res, n) => {
      if (n === 1) res.writeHead(500).end();
      else if (n === 2) res.writeHead(200).end('not json');
      else if (n === 3) res.writeHead(200).end(JSON.stringify({ cursor: 5, messages: [] }));
      else if (n === 4) return; // never answered: the client's poll timeout fires
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cursor: 'k-9', messages: [{ id: 'k-9', data: 'ok' }] }));
    });
    const c = client(base, { pollTimeoutMs: 50 });
    let errors = 0;
    c.onerror = () => errors++;
    const data: string[] = [];
    c.onmessage = (event) => {
      data.push(event.data as string);
      c.close();
    };
    await waitFor(() => data.length === 1, 'recovery');
    expect(data).toEqual(['ok']);
    expect(errors).toBe(4);
    expect(urls.every((url) => url.includes(`client=${c.clientId}`))).toBe(true);
    expect(c.readyState).toBe(LongPollClient.CLOSED);
  });

  it('fails for good on a 4xx answer', async () => {
    const { base, urls } = await serveRaw((_req, res) => res.writeHead(404).end());
    const c = client(base);
    let errors = 0;
    c.onerror = () => errors++;
    await waitFor(() => c.readyState === LongPollClient.CLOSED, 'closed');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(urls.length).toBe(1);
    expect(errors).toBe(1);
  });

  it('drops answers larger than maxResponseBytes', async () => {
    const { base, urls } = await serveRaw((_req, res, n) => {
      const messages = n === 1 ? [{ id: 'a-1', data: 'x'.repeat(1000) }] : [{ id: 'a-2', data: 'small' }];
      res.writeHead(200).end(JSON.stringify({ cursor: messages[0].id, messages }));
    });
    const c = client(base, { maxResponseBytes: 200 });
    const data: string[] = [];
    c.onmessage = (event) => {
      data.push(event.data as string);
      c.close();
    };
    await waitFor(() => data.length === 1, 'small answer');
    expect(data).toEqual(['small']);
    expect(urls.length).toBe(2);
  });

  it('close() aborts the held poll and stops polling', async () => {
    const { hub, handler, base } = await start();
    const c = client(`${base}/?channel=c`);
    await waitFor(() => handler.heldPolls === 1, 'held');
    c.close();
    await waitFor(() => handler.heldPolls === 0 && hub.subscriberCount('c') === 0, 'released on the server');
    await hub.publish('c', { data: 'late' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(handler.heldPolls).toBe(0);
    expect(c.readyState).toBe(LongPollClient.CLOSED);
  });

  it('rejects bad URLs', () => {
    expect(() => new LongPollClient('::')).toThrow(SyntaxError);
    expect(() => new LongPollClient('ws://x/')).toThrow(/unsupported scheme/);
  });
});
