// The mount as a whole: routing under the prefix, the WebSocket transport, one fan-out
// shared by every transport, limits, closing, and mountSwitchboard on an app's server.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mountSwitchboard } from '../../src/mount/index.js';
import { CloseCode } from '../../src/protocol/websocket/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';
import { PollLoop, SseSession, WsSession, isType, poll, post, startMount, type Json, type Mounted } from '../support/mount/mount-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(options: Parameters<typeof startMount>[0] = {}): Promise<Mounted> {
  const mounted = await startMount(options);
  cleanups.push(() => mounted.stop());
  return mounted;
}

function track<T extends { close(): unknown }>(session: T): T {
  cleanups.push(() => void session.close());
  return session;
}

/** Sends a request by hand; `body` undefined leaves it open (never ended). */
function rawRequest(url: string, method: string, body: string | undefined, end = true): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    if (end) req.end();
  });
}

describe('the WebSocket transport at <prefix>/ws', () => {
  it('sends a ping first, then serves switchboard.v1; authorize sees the upgrade request', async () => {
    const { origin, hub } = await setup({
      heartbeatInterval: 60_000,
      authorize: (request, channel) => request.headers.authorization === 'Bearer ok' || channel === 'open',
    });
    const session = track(await WsSession.open(origin, '/switchboard/ws', { authorization: 'Bearer no' }));
    await session.next(isType('ping'), 'ping');
    expect(session.ws.protocol).toBe('switchboard.v1');
    session.send({ type: 'subscribe', channel: 'closed' });
    session.send({ type: 'subscribe', channel: 'open' });
    await session.next(isType('subscribed'), 'subscribed');
    await hub.publish('open', { data: 'hi' });
    await session.next(isType('message'), 'message');
    expect(session.messages).toEqual([
      { type: 'ping', interval: 60_000 },
      { type: 'error', channel: 'closed', code: 'forbidden', message: 'not allowed to subscribe to this channel' },
      { type: 'subscribed', channel: 'open', headId: 'e1-0' },
      { type: 'message', channel: 'open', id: 'e1-1', data: 'hi' },
    ]);
  });

  it('leaves other upgrades to the application', async () => {
    const { origin } = await setup();
    await expect(WsSession.open(origin, '/elsewhere')).rejects.toThrow();
  });
});

describe('one fan-out for every transport', () => {
  it('delivers the same shared frames to WebSocket, SSE and poll subscribers of a channel, small and large', async () => {
    const { origin, base, hub, switchboard } = await setup({ heartbeatInterval: 60_000 });
    const ws = track(await WsSession.open(origin, '/switchboard/ws'));
    const sse = track(await SseSession.open(base));
    const loop = await PollLoop.open(base);
    cleanups.push(() => loop.stop());
    ws.send({ type: 'subscribe', channel: 'c' });
    await post(base, sse.id, [{ type: 'subscribe', channel: 'c' }]);
    await post(base, loop.id, [{ type: 'subscribe', channel: 'c' }]);
    await Promise.all([ws, sse, loop].map((s) => s.next(isType('subscribed'), 'subscribed')));
    expect(hub.subscriberCount('c')).toBe(1);
    // Payload lengths with each WebSocket header size: 7-bit, 16-bit and 64-bit lengths.
    const sizes = [10, 300, 70_000];
    for (const size of sizes) await hub.publish('c', { data: 'é'.repeat(size), event: 'e' });
    const expected: Json[] = sizes.map((size, i) => ({ type: 'message', channel: 'c', id: `e1-${i + 1}`, data: 'é'.repeat(size), event: 'e' }));
    for (const session of [ws, sse, loop]) {
      await waitFor(() => session.ofType('message').length === sizes.length, 'every message');
      expect(session.ofType('message')).toEqual(expected);
    }
    expect(switchboard.sessionCount).toBe(3);
  });
});

describe('routing under the prefix', () => {
  it('answers 404 for unknown paths, 405 with Allow for wrong methods, 426 for /ws without upgrade; leaves the rest', async () => {
    const { base, origin } = await setup();
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    expect((await fetch(base)).status).toBe(404);
    for (const [path, method, allow] of [
      ['/sse', 'POST', 'GET'],
      ['/poll', 'DELETE', 'GET'],
      ['/session/abc', 'GET', 'POST'],
      ['/client.js', 'POST', 'GET, HEAD'],
    ] as const) {
      const response = await fetch(`${base}${path}`, { method });
      expect([path, response.status, response.headers.get('allow')]).toEqual([path, 405, allow]);
    }
    const ws = await fetch(`${base}/ws`);
    expect([ws.status, ws.headers.get('upgrade')]).toEqual([426, 'websocket']);
    for (const path of ['/', '/switchboardx/sse', '/other/switchboard/sse']) expect((await fetch(`${origin}${path}`)).status).toBe(418);
  });
});

describe('POST <prefix>/session/<id>', () => {
  it('answers 400 and handles nothing for a body that is not a JSON array of objects', async () => {
    const { base } = await setup({ heartbeatInterval: 60_000 });
    const id = (await poll(base)).body.session as string;
    for (const body of ['not json', '{"type":"subscribe","channel":"c"}', '[{"type":"subscribe","channel":"c"}, 3]', '[null]', '[[]]']) {
      const answer = await post(base, id, body);
      expect([body, answer.status]).toEqual([body, 400]);
      expect(JSON.parse(answer.text)).toEqual({ error: expect.stringContaining('JSON array') });
    }
    await post(base, id, [{ type: 'publish', channel: 'c', data: 'x', ref: 'last' }]);
    // Only the valid POST was handled.
    expect((await poll(base, id)).body.messages).toEqual([{ type: 'published', ref: 'last', id: 'e1-1' }]);
  });

  it('answers 413 for a body past maxBodyBytes and 408 for one slower than bodyTimeout', async () => {
    const { base } = await setup({ maxBodyBytes: 1000, bodyTimeout: 100 });
    const id = (await poll(base)).body.session as string;
    const large = JSON.stringify([{ type: 'publish', channel: 'c', data: 'x'.repeat(2000) }]);
    const tooLarge = await rawRequest(`${base}/session/${id}`, 'POST', large);
    expect([tooLarge.status, tooLarge.headers.connection]).toEqual([413, 'close']);
    const slow = await rawRequest(`${base}/session/${id}`, 'POST', '[{"type":', false);
    expect([slow.status, slow.headers.connection]).toEqual([408, 'close']);
  });

  it('answers 204 for an empty array, and 404 for an id that cannot be one', async () => {
    const { base } = await setup();
    const id = (await poll(base)).body.session as string;
    expect((await post(base, id, [])).status).toBe(204);
    expect((await post(base, '%E0%A4%A', [])).status).toBe(404);
  });
});

describe('limits and closing', () => {
  it('refuses sessions past maxSessions with 503 on every transport', async () => {
    const { base, origin } = await setup({ maxSessions: 2 });
    track(await SseSession.open(base));
    track(await WsSession.open(origin, '/switchboard/ws'));
    expect((await poll(base)).status).toBe(503);
    expect((await fetch(`${base}/sse`)).status).toBe(503);
    await expect(WsSession.open(origin, '/switchboard/ws')).rejects.toThrow();
  });

  it('close() ends every session: streams end, held polls are answered, WebSockets close with 1001', async () => {
    const { base, origin, switchboard, hub, requests } = await setup({ heartbeatInterval: 60_000 });
    const ws = track(await WsSession.open(origin, '/switchboard/ws'));
    const sse = track(await SseSession.open(base));
    const id = (await poll(base)).body.session as string;
    await post(base, id, [{ type: 'subscribe', channel: 'c' }]);
    await poll(base, id);
    const before = requests();
    const held = poll(base, id);
    await waitFor(() => requests() === before + 1 && hub.subscriberCount('c') === 1, 'the poll held');
    await switchboard.close();
    expect(await held).toEqual({ status: 200, body: { messages: [] } });
    await waitFor(() => sse.reader.ended, 'the stream ended');
    expect((await ws.waitClosed()).code).toBe(CloseCode.GoingAway);
    expect(switchboard.sessionCount).toBe(0);
    expect(hub.subscriberCount('c')).toBe(0);
    expect((await poll(base, id)).status).toBe(404);
    expect((await poll(base)).status).toBe(503);
  });
});

describe('mountSwitchboard', () => {
  it("serves the prefix and passes every other request and upgrade to the app's listeners", async () => {
    const server = createServer((_request, response) => response.end('app'));
    const appUpgrades: string[] = [];
    server.on('upgrade', (request, socket) => {
      appUpgrades.push(request.url!);
      socket.destroy();
    });
    const switchboard = mountSwitchboard(server, { prefix: '/rt', heartbeatInterval: 60_000 });
    const origin = await listen(server);
    cleanups.push(() => shut(server), () => switchboard.close());
    expect(await (await fetch(`${origin}/hello`)).text()).toBe('app');
    const opened = await poll(`${origin}/rt`);
    expect(opened.body.messages).toEqual([{ type: 'ping', interval: 60_000 }]);
    const ws = track(await WsSession.open(origin, '/rt/ws'));
    await ws.next(isType('ping'), 'ping');
    await expect(WsSession.open(origin, '/other')).rejects.toThrow();
    expect(appUpgrades).toEqual(['/other']);
    expect(switchboard.sessionCount).toBe(2);
    expect((server.address() as AddressInfo).port).toBeGreaterThan(0);
  });

  it('answers 404 outside the prefix on a server without an application', async () => {
    const server = createServer();
    const switchboard = mountSwitchboard(server);
    const origin = await listen(server);
    cleanups.push(() => shut(server), () => switchboard.close());
    expect((await fetch(`${origin}/elsewhere`)).status).toBe(404);
    expect((await poll(`${origin}/switchboard`)).status).toBe(200);
    await expect(WsSession.open(origin, '/elsewhere')).rejects.toThrow();
  });

  it('rejects a prefix that is not a path', () => {
    const server = createServer();
    for (const prefix of ['', '/', 'rt', '/rt/', '/a?b']) expect(() => mountSwitchboard(server, { prefix })).toThrow(TypeError);
  });
});

