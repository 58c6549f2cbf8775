import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { zlibLimiter } from '../../src/websocket/zlib-limiter.js';
import { JsonClient, startPubSub } from '../support/pubsub/json-client.js';
import { waitFor } from '../support/sse/net.js';

// Frame-once broadcast under permessage-deflate: a channel's message is encoded
// once into a shared frame (channel-fanout.ts); subscribers that agreed to
// server_no_context_takeover with the same window get the same compressed
// frame, compressed once for all of them. With context takeover each
// connection's own stream must compress it. The zlib jobs are counted on the
// process limiter the server uses (a concurrency of its own, so nothing else
// shares it). The clients are `ws`, which offer permessage-deflate by default.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  vi.restoreAllMocks();
});

async function broadcast(serverNoContextTakeover: boolean, concurrency: number): Promise<{ jobs: number; received: string[][] }> {
  const hub = new MemoryHub();
  const { pubsub, url } = await startPubSub({ hub, server: { perMessageDeflate: { serverNoContextTakeover, concurrency, threshold: 256 } } });
  cleanups.push(() => pubsub.close());
  const clients = await Promise.all(Array.from({ length: 5 }, () => JsonClient.connect(url)));
  cleanups.push(() => Promise.all(clients.map((client) => client.close())).then(() => undefined));
  for (const client of clients) expect(client.ws.extensions).toBe('permessage-deflate');
  for (const client of clients) client.send({ type: 'subscribe', channel: 'c' });
  await waitFor(() => clients.every((client) => client.ofType('subscribed').length === 1), 'subscribed');
  const run = vi.spyOn(zlibLimiter(concurrency), 'run');
  for (let i = 1; i <= 3; i++) await hub.publish('c', { data: `message ${i} `.repeat(100) });
  await waitFor(() => clients.every((client) => client.ofType('message', 'c').length === 3), 'messages');
  return {
    jobs: run.mock.calls.length,
    received: clients.map((client) => client.ofType('message', 'c').map((message) => String(message.data).slice(0, 10))),
  };
}

describe('pub/sub broadcast with permessage-deflate', () => {
  it('server_no_context_takeover: each message is compressed once for all five subscribers', { timeout: 10_000 }, async () => {
    const { jobs, received } = await broadcast(true, 7);
    expect(jobs).toBe(3);
    for (const messages of received) expect(messages).toEqual(['message 1 ', 'message 2 ', 'message 3 ']);
  });

  it('context takeover: each subscriber compresses with its own stream', { timeout: 10_000 }, async () => {
    const { jobs, received } = await broadcast(false, 8);
    expect(jobs).toBe(15);
    for (const messages of received) expect(messages).toEqual(['message 1 ', 'message 2 ', 'message 3 ']);
  });
});
