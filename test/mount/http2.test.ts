// The mount's SSE sessions and POSTs over HTTP/2 (the compatibility API), as a browser
// would use them: one connection for the stream and the commands.
import { connect, createServer, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { createSwitchboard, mountSwitchboard } from '../../src/mount/index.js';
import { connect as connectClient, type WebSocketConstructor } from '../../src/client/index.js';
import { WebSocket } from '../../src/websocket/index.js';
import { EventStreamParser, type SseParseItem } from '../../src/protocol/sse/index.js';
import { waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function request(session: ClientHttp2Session, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let status = 0;
    let text = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    stream.on('end', () => resolve({ status, text }));
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('the mount over HTTP/2', () => {
  it('opens an SSE session, takes POSTs and delivers messages; authorize sees the HTTP/2 request', async () => {
    const hub = new MemoryHub({ epoch: 'h2' });
    const users: unknown[] = [];
    const switchboard = createSwitchboard({
      hub,
      heartbeatInterval: 60_000,
      authorize: (req) => {
        users.push(req.headers['x-user']);
        return true;
      },
    });
    const server = createServer((req, res) => {
      if (!switchboard.handleRequest(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    cleanups.push(
      () => hub.close(),
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => switchboard.close(),
      () => void client.destroy(),
    );

    const stream = client.request({ ':path': '/switchboard/sse', 'x-user': 'ada' });
    const parser = new EventStreamParser();
    const items: SseParseItem[] = [];
    let headers: Record<string, unknown> = {};
    stream.on('response', (h) => (headers = h));
    stream.on('data', (chunk: Buffer) => items.push(...parser.push(chunk)));
    const events = () => items.flatMap((item) => (item.type === 'event' ? [item] : []));
    await waitFor(() => events().length >= 2, 'the session event and the ping');
    expect(headers[':status']).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(events()[0].event).toBe('session');
    const { session } = JSON.parse(events()[0].data) as { session: string };
    expect(JSON.parse(events()[1].data)).toEqual({ type: 'ping', interval: 60_000 });

    const answer = await request(
      client,
      { ':method': 'POST', ':path': `/switchboard/session/${session}`, 'content-type': 'application/json' },
      JSON.stringify([{ type: 'subscribe', channel: 'c' }]),
    );
    expect(answer.status).toBe(204);
    await waitFor(() => events().length >= 3, 'subscribed');
    await hub.publish('c', { data: 'over h2' });
    await waitFor(() => events().length >= 4, 'the message');
    expect(events().slice(2).map((event) => JSON.parse(event.data) as unknown)).toEqual([
      { type: 'subscribed', channel: 'c', headId: 'h2-0' },
      { type: 'message', channel: 'c', id: 'h2-1', data: 'over h2' },
    ]);
    expect(users).toEqual(['ada']);

    const tooLarge = await request(client, { ':method': 'POST', ':path': `/switchboard/session/${session}` }, 'x'.repeat(2 * 1024 * 1024));
    // Larger than the flow-control window: the stream must still end (reset with NO_ERROR).
    expect(tooLarge.status).toBe(413);
    const poll = await request(client, { ':path': '/switchboard/poll' });
    expect(JSON.parse(poll.text)).toMatchObject({ interval: 60_000, messages: [{ type: 'ping', interval: 60_000 }] });
    expect(switchboard.sessionCount).toBe(2);
  });

  it('mountSwitchboard on an HTTP/2 server: the client\'s WebSocket is an extended CONNECT stream on the same connection as the page', async () => {
    const hub = new MemoryHub({ epoch: 'ws2' });
    const server = createServer((_req, res) => res.end('page'));
    const switchboard = mountSwitchboard(server, { hub, heartbeatInterval: 60_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const carriers: string[] = [];
    // The browser client with the project's WebSocket over HTTP/2 (what Chromium does when the server offers RFC 8441).
    const H2WebSocket = class extends WebSocket {
      constructor(url: string, protocols: string) {
        super(url, protocols, { http2: true });
        this.addEventListener('open', () => carriers.push(this.carrier));
      }
    };
    const client = connectClient(`${origin}/switchboard`, { transports: ['websocket'], WebSocket: H2WebSocket as unknown as WebSocketConstructor });
    const raw = connect(origin);
    cleanups.push(
      () => hub.close(),
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => switchboard.close(),
      () => void raw.destroy(),
      () => client.close(),
    );
    const got: string[] = [];
    client.subscribe('room', (event) => {
      if (event.type === 'message') got.push(event.data);
    });
    expect(await client.publish('room', 'over h2')).toBe('ws2-1');
    await waitFor(() => got.length === 1, 'the message back');
    expect(got).toEqual(['over h2']);
    expect(carriers).toEqual(['http2-stream']);
    // The page itself, and a CONNECT elsewhere (404), on a session of their own.
    expect(await request(raw, { ':path': '/' })).toEqual({ status: 200, text: 'page' });
    const elsewhere = raw.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/other', ':authority': origin.slice(7), 'sec-websocket-version': '13' });
    const status = await new Promise<unknown>((resolve) => elsewhere.once('response', (headers) => resolve(headers[':status'])));
    expect(status).toBe(404);
  });
});
