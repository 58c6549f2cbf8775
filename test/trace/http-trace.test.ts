import { createServer, request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { createLongPollHandler } from '../../src/long-polling/index.js';
import { createSseHandler } from '../../src/sse/index.js';
import { type TraceEvent, subscribeTrace } from '../../src/trace/index.js';
import { listen, shut } from '../support/sse/net.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function call(url: string, method = 'GET', body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const waitFor = async (condition: () => boolean) => {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

const brief = (e: TraceEvent) =>
  e.type === 'http-head' ? `${e.from} head ${e.text.split('\r\n')[0]}` : e.type === 'body' ? `${e.from} body ${JSON.stringify(e.text)}` : e.type;

describe('wire trace of HTTP transports', () => {
  it('an SSE stream: the request head, the exact response head, then each event as written', async () => {
    const hub = new MemoryHub({ epoch: 't' });
    const handler = createSseHandler({ hub, keepAliveMs: 0, trace: (request) => (request.url?.includes('viewer=v9') ? 'v9' : false) });
    const server = createServer(handler);
    const base = await listen(server);
    cleanups.push(() => shut(server), () => hub.close());
    const events: TraceEvent[] = [];
    cleanups.push(subscribeTrace({ label: 'v9' }, (event) => events.push(event)));
    const req = httpRequest(`${base}/events?channel=build&viewer=v9`);
    const received: string[] = [];
    req.on('response', (res) => res.on('data', (chunk: Buffer) => received.push(String(chunk))));
    req.on('error', () => {}); // destroyed below on purpose
    req.end();
    await waitFor(() => events.length >= 3);
    await hub.publish('build', { data: 'step 1' });
    await waitFor(() => events.length >= 4);
    req.destroy();
    await waitFor(() => events.at(-1)?.type === 'end');
    expect(events.map(brief)).toEqual([
      'client head GET /events?channel=build&viewer=v9 HTTP/1.1',
      'server head HTTP/1.1 200 OK',
      'server body "retry: 3000\\n\\n"',
      expect.stringMatching(/^server body "id: t-1\\ndata: step 1\\n\\n"$/),
      'end',
    ]);
    const response = events[1];
    expect(response.type === 'http-head' && response.exact && response.text).toContain('content-type: text/event-stream');
    expect(events.every((e) => e.transport === 'sse' && e.label === 'v9')).toBe(true);
    // Untraced requests make no trace.
    const untraced: TraceEvent[] = [];
    cleanups.push(subscribeTrace({ label: 'other' }, (event) => untraced.push(event)));
    const plain = httpRequest(`${base}/events?channel=build`);
    plain.on('error', () => {}); // destroyed below, perhaps before its response (socket hang up)
    plain.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    plain.destroy();
    expect(untraced).toEqual([]);
  });

  it('long polls: each exchange, request body included, as text', async () => {
    const hub = new MemoryHub({ epoch: 'lp' });
    const handler = createLongPollHandler({ hub, holdMs: 50, trace: () => 'poller' });
    const server = createServer(handler);
    const base = await listen(server);
    cleanups.push(() => shut(server), () => handler.close(), () => hub.close());
    const events: TraceEvent[] = [];
    cleanups.push(subscribeTrace({ label: 'poller' }, (event) => events.push(event)));
    await call(`${base}/poll?channel=news`, 'POST', JSON.stringify({ data: 'hi' }));
    const answer = await call(`${base}/poll?channel=news`);
    await waitFor(() => events.filter((e) => e.type === 'end').length === 2);
    const connections = [...new Set(events.map((e) => e.connection))];
    expect(connections).toHaveLength(2);
    const [post, get] = connections.map((id) => events.filter((e) => e.connection === id).map(brief));
    expect(post).toEqual([
      'client head POST /poll?channel=news HTTP/1.1',
      'client body "{\\"data\\":\\"hi\\"}"',
      'server head HTTP/1.1 200 OK',
      expect.stringMatching(/^server body "\{\\"id\\":/),
      'end',
    ]);
    expect(get).toEqual(['client head GET /poll?channel=news HTTP/1.1', 'server head HTTP/1.1 200 OK', `server body ${JSON.stringify(answer)}`, 'end']);
    expect(events.every((e) => e.transport === 'long-polling')).toBe(true);
  });
});
