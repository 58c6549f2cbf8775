// Our EventSource against a minimal event-stream server written directly on node:http,
// so the client is checked against a peer that shares none of the project's server code.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/sse/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

type Responder = (res: ServerResponse, attempt: number, headers: IncomingHttpHeaders, url: string) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(respond: Responder) {
  const requests: { headers: IncomingHttpHeaders; url: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ headers: req.headers, url: req.url ?? '' });
    respond(res, requests.length, req.headers, req.url ?? '');
  });
  const base = await listen(server);
  cleanups.push(() => shut(server));
  return { base, requests, server };
}

function open(url: string, init: ConstructorParameters<typeof EventSource>[1] = {}): EventSource {
  const source = new EventSource(url, { backoff: { initialDelayMs: 5, maxDelayMs: 50 }, ...init });
  cleanups.push(() => source.close());
  return source;
}

const streamHead = (res: ServerResponse, type = 'text/event-stream'): void => {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
};

describe('EventSource', () => {
  it('opens, dispatches message and named events with lastEventId and origin', async () => {
    const { base } = await serve((res) => {
      streamHead(res);
      res.write('data: one\n\nid: 7\nevent: tick\ndata: two\ndata: lines\n\n');
    });
    const source = open(`${base}/stream`);
    expect(source.readyState).toBe(EventSource.CONNECTING);
    expect(source.url).toBe(`${base}/stream`);
    expect(source.withCredentials).toBe(false);
    expect([source.CONNECTING, source.OPEN, source.CLOSED]).toEqual([0, 1, 2]);
    const seen: string[] = [];
    source.onopen = () => seen.push(`open:${source.readyState}`);
    source.onmessage = (event) => seen.push(`message:${event.data}:${event.lastEventId}:${event.origin}`);
    source.addEventListener('tick', (event) => {
      const message = event as MessageEvent;
      seen.push(`tick:${message.data}:${message.lastEventId}`);
    });
    await waitFor(() => seen.length === 3, 'events');
    expect(seen).toEqual(['open:1', `message:one::${base}`, 'tick:two\nlines:7']);
    expect(source.lastEventId).toBe('7');
  });

  it('sends Accept, custom headers, and reconnects with Last-Event-ID after the server drops it', async () => {
    const { base, requests } = await serve((res, attempt) => {
      streamHead(res);
      if (attempt === 1) res.end('retry: 10\nid: 5\ndata: first\n\nid: 6\n\n');
      else res.write(`data: again\n\n`);
    });
    const source = open(base, { headers: { authorization: 'Bearer t' } });
    const states: number[] = [];
    const data: string[] = [];
    source.onerror = () => states.push(source.readyState);
    source.onmessage = (event) => data.push(event.data as string);
    await waitFor(() => data.length === 2, 'reconnection');
    expect(data).toEqual(['first', 'again']);
    expect(states).toEqual([EventSource.CONNECTING]);
    expect(requests[0].headers.accept).toBe('text/event-stream');
    expect(requests[0].headers.authorization).toBe('Bearer t');
    expect(requests[0].headers['last-event-id']).toBeUndefined();
    // The id-only event (no data) still moved the last event ID to 6.
    expect(requests[1].headers['last-event-id']).toBe('6');
    expect(source.lastEventId).toBe('6');
  });

  it('resumes from the lastEventId option on its first request', async () => {
    const { base, requests } = await serve((res) => streamHead(res));
    open(base, { lastEventId: 'e-41' });
    await waitFor(() => requests.length === 1, 'request');
    expect(requests[0].headers['last-event-id']).toBe('e-41');
  });

  it('parses a stream delivered one byte at a time with BOM, CR, LF and CRLF', async () => {
    const body = Buffer.from('\ufeffdata: é\r\n\r\ndata: a\rdata: b\r\rid: x\0y\ndata: 😀\n\n', 'utf8');
    const { base } = await serve((res) => {
      streamHead(res);
      let i = 0;
      const step = (): void => {
        if (i >= body.length || res.destroyed) return;
        res.write(body.subarray(i, ++i));
        setImmediate(step);
      };
      step();
    });
    const source = open(base);
    const got: [string, string][] = [];
    source.onmessage = (event) => got.push([event.data as string, event.lastEventId]);
    await waitFor(() => got.length === 3, 'events');
    expect(got).toEqual([
      ['é', ''],
      ['a\nb', ''],
      ['😀', ''],
    ]);
  });

  it.each([
    ['a non-200 status', (res: ServerResponse) => res.writeHead(500).end()],
    ['204 No Content', (res: ServerResponse) => res.writeHead(204).end()],
    ['a wrong content type', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain' }).end('data: x\n\n')],
    ['a missing content type', (res: ServerResponse) => res.writeHead(200).end()],
  ])('fails without reconnecting on %s', async (_name, respond) => {
    const { base, requests } = await serve((res) => respond(res));
    const source = open(base);
    let errors = 0;
    source.onerror = () => errors++;
    await waitFor(() => errors === 1, 'error');
    expect(source.readyState).toBe(EventSource.CLOSED);
    // Long enough for several reconnections at the 5 ms backoff, had there been any.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests.length).toBe(1);
    expect(errors).toBe(1);
  });

  it('accepts content-type parameters and letter case', async () => {
    const { base } = await serve((res) => {
      streamHead(res, 'Text/Event-Stream; charset=utf-8');
      res.write('data: ok\n\n');
    });
    const source = open(base);
    const data: string[] = [];
    source.onmessage = (event) => data.push(event.data as string);
    await waitFor(() => data.length === 1, 'event');
    expect(data).toEqual(['ok']);
  });

  it('follows redirects, up to maxRedirects', async () => {
    const { base, requests } = await serve((res, _attempt, _headers, url) => {
      if (url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else if (url === '/old') res.writeHead(307, { location: '/new' }).end();
      else {
        streamHead(res);
        res.write('data: moved\n\n');
      }
    });
    const source = open(`${base}/old`);
    const data: string[] = [];
    source.onmessage = (event) => data.push(event.data as string);
    await waitFor(() => data.length === 1, 'event after redirect');
    expect(data).toEqual(['moved']);
    expect(requests.map((r) => r.url)).toEqual(['/old', '/new']);

    const looping = open(`${base}/loop`, { maxRedirects: 3 });
    await waitFor(() => looping.readyState === EventSource.CLOSED, 'failure after too many redirects');
    expect(requests.filter((r) => r.url === '/loop').length).toBe(4);
  });

  it('reconnects with backoff while the server is unreachable, then recovers', async () => {
    const { base, server } = await serve((res) => {
      streamHead(res);
      res.write('data: up\n\n');
    });
    const port = Number(new URL(base).port);
    await shut(server);
    const source = open(base, { honorServerRetry: false, random: () => 0.5 });
    let errors = 0;
    source.onerror = () => errors++;
    await waitFor(() => errors >= 3, 'several failed attempts');
    expect(source.readyState).toBe(EventSource.CONNECTING);
    const data: string[] = [];
    source.onmessage = (event) => data.push(event.data as string);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await waitFor(() => data.length === 1, 'recovery', 10_000);
    expect(data).toEqual(['up']);
    expect(source.readyState).toBe(EventSource.OPEN);
  });

  it('drops and reconnects when an event exceeds maxEventSize', async () => {
    const { base, requests } = await serve((res, attempt) => {
      streamHead(res);
      res.write(attempt === 1 ? `data: ${'x'.repeat(100)}\n\n` : 'data: small\n\n');
    });
    const source = open(base, { maxEventSize: 50 });
    const data: string[] = [];
    source.onmessage = (event) => data.push(event.data as string);
    await waitFor(() => data.length === 1, 'event after reconnection');
    expect(data).toEqual(['small']);
    expect(requests.length).toBe(2);
  });

  it('close() stops everything: no events, no reconnection', async () => {
    const { base, requests } = await serve((res) => {
      streamHead(res);
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 20);
    });
    const source = open(base);
    const seen: string[] = [];
    source.onmessage = (event) => {
      seen.push(event.data as string);
      source.close();
    };
    source.onerror = () => seen.push('error');
    await waitFor(() => seen.length === 1, 'first event');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(seen).toEqual(['1']);
    expect(source.readyState).toBe(EventSource.CLOSED);
    expect(requests.length).toBe(1);
  });

  it('stops if an error handler calls close()', async () => {
    const { base, requests } = await serve((res) => {
      streamHead(res);
      res.end('data: bye\n\n');
    });
    const source = open(base);
    source.onerror = () => source.close();
    await waitFor(() => source.readyState === EventSource.CLOSED, 'closed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests.length).toBe(1);
  });

  it('rejects bad URLs', () => {
    expect(() => new EventSource('not a url')).toThrow(SyntaxError);
    expect(() => new EventSource('ftp://example.com/')).toThrow(/unsupported scheme/);
  });
});
