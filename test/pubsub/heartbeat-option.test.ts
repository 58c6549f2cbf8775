// The `ping` heartbeat of switchboard.v1 (docs/sessions.md): off by default on the
// WebSocket pub/sub server, first and then repeated when `heartbeatInterval` is given.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { JsonClient, startPubSub } from '../support/pubsub/json-client.js';
import { waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function client(heartbeatInterval?: number): Promise<JsonClient> {
  const hub = new MemoryHub({ epoch: 'e1' });
  const { pubsub, url } = await startPubSub({ hub, heartbeatInterval });
  const connected = await JsonClient.connect(url);
  cleanups.push(() => hub.close(), () => pubsub.close(), () => connected.close());
  return connected;
}

describe('the ping heartbeat option', () => {
  it('sends a ping first and then every interval', async () => {
    const c = await client(50);
    await waitFor(() => c.ofType('ping').length >= 3, 'three pings');
    expect(c.received[0]).toEqual({ type: 'ping', interval: 50 });
  });

  it('sends none by default', async () => {
    const c = await client();
    c.send({ type: 'subscribe', channel: 'x' });
    await c.next((m) => m.type === 'subscribed', 'subscribed');
    expect(c.received).toEqual([{ type: 'subscribed', channel: 'x', headId: 'e1-0' }]);
  });

  it('refuses an interval a timer cannot take', async () => {
    const hub = new MemoryHub();
    cleanups.push(() => hub.close());
    for (const heartbeatInterval of [0, -1, 1.5, 2 ** 31]) await expect(startPubSub({ hub, heartbeatInterval })).rejects.toThrow(RangeError);
  });
});
