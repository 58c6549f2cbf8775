import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { JsonClient, startPubSub } from '../support/pubsub/json-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function server() {
  const started = await startPubSub({ hub: new MemoryHub() });
  cleanups.push(() => started.pubsub.close());
  return started;
}

async function clients(url: string, n: number): Promise<JsonClient[]> {
  const all = await Promise.all(Array.from({ length: n }, () => JsonClient.connect(url)));
  cleanups.push(() => Promise.all(all.map((c) => c.close())).then(() => undefined));
  return all;
}

describe('pub/sub drain (graceful restart)', () => {
  it('closes every connection with 1012 after a restart hint, spread over the window', async () => {
    const { pubsub, url } = await server();
    const all = await clients(url, 6);
    const closedAt: number[] = [];
    for (const client of all) client.ws.on('close', () => closedAt.push(Date.now()));
    const started = Date.now();
    await pubsub.drain({ windowMs: 600, retryAfterMs: 2500 });
    expect(pubsub.sessionCount).toBe(0);
    for (const client of all) {
      expect(await client.waitClosed()).toEqual({ code: 1012, reason: 'Service restart' });
      expect(client.received.at(-1)).toEqual({ type: 'restart', retry: 2500 });
    }
    // One every 100 ms: the first at once, the last after ~500 ms, not all together.
    const spread = Math.max(...closedAt) - Math.min(...closedAt);
    expect(spread).toBeGreaterThanOrEqual(400);
    expect(Math.min(...closedAt) - started).toBeLessThan(300);
  });

  it('sends a connection made while draining away at once, to come back after the window', async () => {
    const { pubsub, url } = await server();
    await clients(url, 2);
    const drained = pubsub.drain({ windowMs: 2000, retryAfterMs: 100 });
    // The same promise for a second call.
    expect(pubsub.drain()).toBe(drained);
    const [late] = await clients(url, 1);
    expect(await late.waitClosed()).toEqual({ code: 1012, reason: 'Service restart' });
    const hint = late.received.find((m) => m.type === 'restart') as { retry: number };
    // 100 ms plus what is left of the window (about 2 s).
    expect(hint.retry).toBeGreaterThan(1500);
    expect(hint.retry).toBeLessThanOrEqual(2100);
    await pubsub.close();
    await drained;
  });

  it('close() during a drain closes the rest with 1001 at once', async () => {
    const { pubsub, url } = await server();
    const all = await clients(url, 3);
    const drained = pubsub.drain({ windowMs: 60_000 });
    await all[0].waitClosed();
    await pubsub.close();
    await drained;
    // Long before the 60 s window; the clients' own close events may come a turn after
    // close() resolves (on Bun they do), so they are awaited, not read at once.
    const closed = await Promise.all(all.map((c) => c.waitClosed()));
    expect(closed.map((c) => c.code)).toEqual([1012, 1001, 1001]);
  });

  it('refuses bad options', async () => {
    const { pubsub } = await server();
    await expect(async () => pubsub.drain({ windowMs: -1 })).rejects.toThrow(/windowMs/);
    await expect(async () => pubsub.drain({ retryAfterMs: 1.5 })).rejects.toThrow(/retryAfterMs/);
  });
});
