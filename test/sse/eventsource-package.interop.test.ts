// Interop: the independent `eventsource` npm package as a client of our SSE server.
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { EventSource as PackageEventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { createSseHandler } from '../../src/sse/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start() {
  const hub = new MemoryHub({ epoch: 'ep' });
  const server = createServer(createSseHandler({ hub, retryMs: 20, keepAliveMs: 0 }));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const base = await listen(server);
  cleanups.push(() => shut(server), () => hub.close());
  return { hub, base, sockets };
}

describe('eventsource (npm) against our server', () => {
  it('receives messages and named events with our ids', async () => {
    const { hub, base } = await start();
    const source = new PackageEventSource(`${base}/?channel=feed`);
    cleanups.push(() => source.close());
    const seen: [string, string, string][] = [];
    source.onmessage = (event) => seen.push(['message', event.data, event.lastEventId]);
    source.addEventListener('price', (event) => seen.push(['price', event.data, event.lastEventId]));
    await new Promise<void>((resolve) => (source.onopen = () => resolve()));
    await waitFor(() => hub.subscriberCount('feed') === 1, 'subscription');
    await hub.publish('feed', { data: 'hello\nworld' });
    await hub.publish('feed', { data: '42.5', event: 'price' });
    await hub.publish('feed', { data: 'ünïcödé 😀' });
    await waitFor(() => seen.length === 3, 'three events');
    expect(seen).toEqual([
      ['message', 'hello\nworld', 'ep-1'],
      ['price', '42.5', 'ep-2'],
      ['message', 'ünïcödé 😀', 'ep-3'],
    ]);
  });

  it('resumes with Last-Event-ID after the server drops it, losing and repeating nothing', async () => {
    const { hub, base, sockets } = await start();
    const source = new PackageEventSource(`${base}/?channel=c`);
    cleanups.push(() => source.close());
    const data: string[] = [];
    const ids: string[] = [];
    let opens = 0;
    source.onmessage = (event) => {
      data.push(event.data);
      ids.push(event.lastEventId);
    };
    source.onopen = () => opens++;
    await waitFor(() => hub.subscriberCount('c') === 1, 'subscription');
    let next = 1;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 5; i++) await hub.publish('c', { data: String(next++) });
      await waitFor(() => data.length === next - 1, `round ${round} delivered`);
      for (const socket of sockets) socket.destroy();
      // Published while the client is away: must come with the replay.
      for (let i = 0; i < 3; i++) await hub.publish('c', { data: String(next++) });
      await waitFor(() => opens === round + 2, `reconnection ${round + 1}`);
    }
    await waitFor(() => data.length === next - 1, 'final replay');
    expect(data).toEqual(Array.from({ length: next - 1 }, (_, i) => String(i + 1)));
    expect(ids).toEqual(Array.from({ length: next - 1 }, (_, i) => `ep-${i + 1}`));
  });
});
