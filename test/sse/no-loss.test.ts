// No message lost or repeated while SSE clients are disconnected again and again: every
// client resumes with Last-Event-ID and the hub replays exactly what it missed.
import { createServer } from 'node:http';
import { EventSource as PackageEventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { EventSource, createSseHandler } from '../../src/sse/index.js';
import { connectionCutter, publishWithCuts, seeded } from '../support/sse/chaos.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const TOTAL = 400;

describe('SSE delivery under repeated disconnection', () => {
  it('every client sees every message exactly once, in order', async () => {
    const hub = new MemoryHub({ maxHistory: TOTAL });
    const server = createServer(createSseHandler({ hub, retryMs: 5, keepAliveMs: 0 }));
    const base = await listen(server);
    const chaos = connectionCutter(server, seeded(1));
    cleanups.push(() => shut(server), () => hub.close());

    // Warm up the process's fetch (undici, used by the `eventsource` package) with one plain
    // request first. Without it, a cut landing on the package's very first fetch in the
    // process left that fetch pending forever in our runs (no response, no error), stalling
    // that one client; our own client does not use fetch and needs no warm-up.
    expect((await fetch(`${base}/`)).status).toBe(400);
    const received: number[][] = [];
    const opens: number[] = [];
    const clients = Array.from({ length: 6 }, (_, index) => {
      received.push([]);
      opens.push(0);
      // Every client starts from the channel's beginning: a client with no id yet whose first
      // connection is cut would otherwise (correctly) resume "from now" and miss the rest.
      const start = `${hub.epoch}-0`;
      // Half ours, half the independent `eventsource` package (which cannot set headers on
      // its first request, so it uses the query parameter; reconnections send the header).
      const source =
        index % 2 === 0
          ? new EventSource(`${base}/?channel=numbers`, { lastEventId: start, backoff: { initialDelayMs: 5, maxDelayMs: 20 }, honorServerRetry: false })
          : new PackageEventSource(`${base}/?channel=numbers&lastEventId=${start}`);
      source.onmessage = (event: MessageEvent) => received[index].push(Number(event.data));
      source.onopen = () => opens[index]++;
      cleanups.push(() => source.close());
      return source;
    });
    await waitFor(() => hub.subscriberCount('numbers') > 0, 'a first subscriber');

    await publishWithCuts(hub, 'numbers', TOTAL, chaos);
    await waitFor(() => received.every((list) => list.length >= TOTAL), 'every message delivered', 15_000);

    const expected = Array.from({ length: TOTAL }, (_, i) => i + 1);
    for (const list of received) expect(list).toEqual(expected);
    // The run really did cut connections and make clients resume.
    expect(chaos.cuts).toBeGreaterThan(20);
    expect(opens.reduce((a, b) => a + b, 0)).toBeGreaterThan(clients.length + 10);
  });
});
