import { describe, expect, it } from 'vitest';
import { harness } from './fakes.js';

describe('browser client: connecting and the fallback ladder', () => {
  it('opens on the first transport once it delivers, then subscribes', () => {
    const { client, transports, events } = harness();
    const seen: unknown[] = [];
    client.subscribe('chat', (event) => seen.push(event));
    expect(client.state).toBe('connecting');
    expect(transports.all.map((t) => t.name)).toEqual(['websocket']);
    expect(transports.last.sent).toEqual([]); // nothing is sent before the session delivers
    transports.last.open();
    expect(client.state).toBe('open');
    expect(client.transport).toBe('websocket');
    expect(transports.last.sent).toEqual([{ type: 'subscribe', channel: 'chat', since: undefined }]);
    expect(events.map((e) => e.type)).toEqual(['transport', 'open']);
    client.subscribe('news', () => {});
    expect(transports.last.sent.at(-1)).toEqual({ type: 'subscribe', channel: 'news', since: undefined });
  });

  it('falls from WebSocket to SSE to polling when each fails to open, at once, and says why', () => {
    const { client, transports, events } = harness();
    transports.last.fail('closed (1006)');
    expect(transports.last.name).toBe('sse');
    expect(client.state).toBe('connecting');
    transports.last.fail('GET /sse answered 502');
    expect(transports.last.name).toBe('polling');
    transports.last.open();
    expect(client.transport).toBe('polling');
    expect(events.find((e) => e.type === 'transport')?.detail).toEqual({ name: 'polling', previous: undefined, reason: 'sse: GET /sse answered 502' });
    expect(events.some((e) => e.type === 'reconnecting')).toBe(false);
  });

  it('counts an attempt that delivers nothing within connectTimeout as failed', () => {
    const { transports, clock } = harness({ connectTimeout: 5000 });
    clock.advance(4999);
    expect(transports.all).toHaveLength(1);
    clock.advance(1);
    expect(transports.all[0].closed).toBe(true);
    expect(transports.last.name).toBe('sse');
    clock.advance(5000);
    expect(transports.last.name).toBe('polling');
  });

  it('gives a reconnection to the transport that worked reconnectTimeout, not connectTimeout', () => {
    const { client, transports, clock } = harness({ connectTimeout: 5000, reconnectTimeout: 15_000 });
    transports.last.open(); // websocket
    transports.last.fail('closed (1006)');
    clock.advance(1000);
    expect(transports.last.name).toBe('websocket');
    // A restarting server under a storm: the handshake is slow, not refused.
    clock.advance(14_999);
    expect(transports.last.closed).toBe(false);
    transports.last.open();
    expect(client.state).toBe('open');
    expect(client.transport).toBe('websocket');
    // Never opened before: SSE after the WebSocket timed out keeps connectTimeout.
    const fresh = harness({ connectTimeout: 5000, reconnectTimeout: 15_000 });
    fresh.clock.advance(5000);
    expect(fresh.transports.last.name).toBe('sse');
  });

  it('after a whole round failed, waits the backoff and starts again from the top', () => {
    const { client, transports, clock, events } = harness();
    for (let i = 0; i < 3; i++) transports.last.fail();
    expect(client.state).toBe('connecting');
    expect(events.at(-1)).toEqual({ type: 'reconnecting', detail: { attempt: 1, delay: 1000, reason: 'polling: broken' } });
    clock.advance(999);
    expect(transports.all).toHaveLength(3);
    clock.advance(1);
    expect(transports.last.name).toBe('websocket');
    for (let i = 0; i < 3; i++) transports.last.fail();
    expect(events.at(-1)?.detail).toMatchObject({ attempt: 2, delay: 2000 });
  });

  it('reconnects with the transport that worked, resubscribing from the last id', () => {
    const { client, transports, clock } = harness();
    client.subscribe('chat', () => {});
    transports.last.fail();
    transports.last.open(); // sse
    transports.last.deliver({ type: 'subscribed', channel: 'chat', headId: 'e-3' });
    transports.last.deliver({ type: 'message', channel: 'chat', id: 'e-4', data: 'x' });
    transports.last.fail('stream ended');
    expect(client.state).toBe('reconnecting');
    expect(client.transport).toBeUndefined();
    clock.advance(1000);
    expect(transports.last.name).toBe('sse');
    transports.last.open();
    expect(transports.last.sent).toEqual([{ type: 'subscribe', channel: 'chat', since: 'e-4' }]);
  });

  it('retries the transport that worked when it fails to open (a server restarting), and steps down only after three failures in a row', () => {
    const { client, transports, clock } = harness();
    transports.last.open(); // websocket
    transports.last.fail('closed (1006)');
    expect(client.state).toBe('reconnecting');
    // The server is restarting: the WebSocket does not open, twice; each time the client
    // waits and tries the WebSocket again, where it would otherwise step down to SSE.
    for (const delay of [1000, 2000]) {
      clock.advance(delay);
      expect(transports.last.name).toBe('websocket');
      transports.last.fail('closed (1006)');
      expect(transports.all.at(-1)?.name).toBe('websocket');
    }
    clock.advance(4000);
    expect(transports.last.name).toBe('websocket');
    transports.last.fail('closed (1006)');
    // Three in a row: perhaps a proxy now refuses upgrades; the ladder is walked down.
    expect(transports.last.name).toBe('sse');
    transports.last.open();
    expect(client.transport).toBe('sse');
  });

  it('backoff grows across short sessions and resets after a healthy one', () => {
    const { transports, clock, events } = harness({ transports: ['websocket'], heartbeatGrace: 10_000 });
    const delays = (): unknown[] => events.filter((e) => e.type === 'reconnecting').map((e) => (e.detail as { delay: number }).delay);
    transports.last.open();
    transports.last.fail();
    clock.advance(1000);
    transports.last.open();
    transports.last.fail();
    expect(delays()).toEqual([1000, 2000]);
    clock.advance(2000);
    transports.last.open();
    for (let t = 0; t < 30_000; t += 20_000) {
      clock.advance(20_000);
      transports.last.deliver({ type: 'ping', interval: 25_000 });
    }
    transports.last.fail();
    expect(delays()).toEqual([1000, 2000, 1000]);
  });

  it("waits the server's restart hint once instead of the backoff, capped at its largest delay, its jitter only adding", () => {
    const { transports, clock, events } = harness({ transports: ['websocket'] });
    const delays = (): number[] => events.filter((e) => e.type === 'reconnecting').map((e) => (e.detail as { delay: number }).delay);
    transports.last.open();
    transports.last.deliver({ type: 'restart', retry: 7000 });
    transports.last.fail();
    // random 0.5 with ±10 % jitter: the hint is a floor, so 7000 × (1 + 0.1 × 0.5).
    expect(delays()).toEqual([7350]);
    clock.advance(7349);
    expect(transports.all).toHaveLength(1);
    clock.advance(1);
    expect(transports.all).toHaveLength(2);
    // Not there yet: the backoff takes over from its first delay.
    transports.last.fail();
    expect(delays()).toEqual([7350, 1000]);
    clock.advance(1000);
    transports.last.open();
    transports.last.deliver({ type: 'restart', retry: 10 ** 9 });
    transports.last.fail();
    expect(delays().at(-1)).toBe(63_000);
    // A hint belongs to its session: the next session's failure uses the backoff, from
    // where it was (its second delay: no session lasted resetAfterMs).
    clock.advance(63_000);
    transports.last.open();
    transports.last.fail();
    expect(delays().at(-1)).toBe(2000);
  });

  it('takes the SSE and polling hint (retry:, Retry-After) the same way, and a hint of 0 means at once', () => {
    const { transports, clock, events } = harness({ transports: ['sse'], backoff: { jitter: 0 } });
    const delays = (): number[] => events.filter((e) => e.type === 'reconnecting').map((e) => (e.detail as { delay: number }).delay);
    transports.last.open();
    transports.last.retry(4000);
    transports.last.fail('the event stream ended');
    expect(delays()).toEqual([4000]);
    clock.advance(4000);
    transports.last.open();
    transports.last.retry(0);
    transports.last.fail('poll answered 503');
    expect(delays()).toEqual([4000, 0]);
    clock.advance(0);
    expect(transports.all).toHaveLength(3);
  });

  it('a refusal with a hint (503 + Retry-After while draining) retries the same transport after it, never sooner than the backoff', () => {
    const { transports, clock, events } = harness({ backoff: { jitter: 0 } });
    const delays = (): number[] => events.filter((e) => e.type === 'reconnecting').map((e) => (e.detail as { delay: number }).delay);
    transports.last.fail('closed (1006)'); // WebSocket: down the ladder at once
    expect(transports.last.name).toBe('sse');
    transports.last.retry(3000);
    transports.last.fail('GET /sse answered 503');
    // The server answered: SSE works, so no step down to polling; the hint is waited.
    expect(delays()).toEqual([3000]);
    clock.advance(3000);
    expect(transports.last.name).toBe('sse');
    // A server that keeps refusing with a short hint still sees the backoff grow.
    for (let i = 0; i < 3; i++) {
      transports.last.retry(100);
      transports.last.fail('GET /sse answered 503');
      clock.advance(delays().at(-1)!);
    }
    expect(delays()).toEqual([3000, 2000, 4000, 8000]);
    expect(transports.all.map((t) => t.name)).toEqual(['websocket', 'sse', 'sse', 'sse', 'sse', 'sse']);
  });

  it('ignores a hint from a session it no longer uses', () => {
    const { transports, events } = harness({ transports: ['sse'], backoff: { jitter: 0 } });
    const first = transports.last;
    first.open();
    first.fail();
    first.retry(50_000);
    expect(events.filter((e) => e.type === 'reconnecting').map((e) => (e.detail as { delay: number }).delay)).toEqual([1000]);
  });

  it('takes a named jitter policy through its backoff option: full and decorrelated', () => {
    const delaysOf = (jitter: 'full' | 'decorrelated'): unknown[] => {
      const { transports, clock, events } = harness({ transports: ['websocket'], backoff: { jitter } });
      const delays = (): number[] => events.filter((e) => e.type === 'reconnecting').map((e) => (e.detail as { delay: number }).delay);
      for (let i = 0; i < 4; i++) {
        transports.last.open();
        transports.last.fail();
        clock.advance(delays().at(-1)!);
      }
      return delays();
    };
    // random 0.5: half of 1, 2, 4, 8 s; decorrelated: 1 s + half of (3 × previous − 1 s).
    expect(delaysOf('full')).toEqual([500, 1000, 2000, 4000]);
    expect(delaysOf('decorrelated')).toEqual([2000, 3500, 5750, 9125]);
  });
});

describe('browser client: heartbeat', () => {
  it('reconnects when nothing at all arrives for interval + grace', () => {
    const { client, transports, clock, events } = harness({ heartbeatGrace: 10_000 });
    transports.last.open(20_000);
    clock.advance(29_999);
    expect(client.state).toBe('open');
    clock.advance(1);
    expect(client.state).toBe('reconnecting');
    expect(transports.all[0].closed).toBe(true);
    expect(events.at(-1)?.detail).toMatchObject({ reason: 'websocket: heartbeat-timeout' });
  });

  it('any message keeps it alive; 25 000 is assumed before the first ping', () => {
    const { client, transports, clock } = harness({ heartbeatGrace: 10_000 });
    const sink = transports.last;
    sink.raw('{"type":"subscribed","channel":"x","headId":"e-0"}'); // ignored: not open yet
    sink.open(60_000);
    for (let i = 0; i < 10; i++) {
      clock.advance(60_000);
      sink.deliver({ type: 'message', channel: 'x', id: `e-${i}`, data: '' });
    }
    expect(client.state).toBe('open');
    clock.advance(70_000);
    expect(client.state).toBe('reconnecting');
  });

  it('reports an unreadable server message without dropping the session', () => {
    const { client, transports, events } = harness();
    transports.last.open();
    transports.last.raw('{"type":"nonsense"}');
    expect(client.state).toBe('open');
    expect(events.at(-1)).toMatchObject({ type: 'error', detail: { code: 'bad-message' } });
  });
});

describe('browser client: probing back up the ladder', () => {
  it('returns to WebSocket after probeInterval, resuming from the last ids, nothing lost or repeated', () => {
    const { client, transports, clock, events } = harness({ probeInterval: 60_000, heartbeatGrace: 100_000 });
    const seen: string[] = [];
    client.subscribe('chat', (event) => event.type === 'message' && seen.push(event.id));
    transports.last.fail();
    const sse = transports.last;
    sse.open();
    sse.deliver({ type: 'subscribed', channel: 'chat', headId: 'e-0' });
    clock.advance(59_999);
    sse.deliver({ type: 'message', channel: 'chat', id: 'e-1', data: '' });
    expect(transports.all).toHaveLength(2);
    clock.advance(1);
    const probe = transports.last;
    expect(probe.name).toBe('websocket');
    sse.deliver({ type: 'message', channel: 'chat', id: 'e-2', data: '' }); // the old session still delivers
    probe.deliver({ type: 'message', channel: 'chat', id: 'e-9', data: '' }); // not open yet: ignored
    probe.open();
    expect(sse.closed).toBe(true);
    expect(client.transport).toBe('websocket');
    expect(probe.sent).toEqual([{ type: 'subscribe', channel: 'chat', since: 'e-2' }]);
    probe.deliver({ type: 'message', channel: 'chat', id: 'e-3', data: '' });
    expect(seen).toEqual(['e-1', 'e-2', 'e-3']);
    expect(events.filter((e) => e.type === 'transport').at(-1)?.detail).toEqual({ name: 'websocket', previous: 'sse', reason: 'probe' });
    for (let i = 0; i < 30; i++) {
      clock.advance(20_000);
      probe.deliver({ type: 'ping', interval: 25_000 });
    }
    expect(transports.all).toHaveLength(3); // on the top of the ladder: no more probes
    expect(transports.live).toEqual([probe]);
  });

  it('a failed probe leaves the session alone and tries again later', () => {
    const { client, transports, clock } = harness({ probeInterval: 60_000 });
    transports.last.fail();
    const sse = transports.last;
    sse.open();
    clock.advance(20_000);
    sse.deliver({ type: 'ping', interval: 25_000 });
    clock.advance(20_000);
    sse.deliver({ type: 'ping', interval: 25_000 });
    clock.advance(20_000);
    transports.last.fail('closed (1006)');
    expect(client.transport).toBe('sse');
    expect(sse.closed).toBe(false);
    sse.deliver({ type: 'ping', interval: 25_000 });
    clock.advance(20_000);
    sse.deliver({ type: 'ping', interval: 25_000 });
    clock.advance(20_000);
    sse.deliver({ type: 'ping', interval: 25_000 });
    clock.advance(20_000);
    expect(transports.last.name).toBe('websocket');
    expect(transports.all).toHaveLength(4);
  });

  it('waits for publishes in flight on the old session before switching, holding new ones', async () => {
    const { client, transports, clock } = harness({ probeInterval: 1000, heartbeatGrace: 100_000 });
    transports.last.fail();
    const sse = transports.last;
    sse.open();
    const first = client.publish('chat', 'one');
    clock.advance(1000);
    const probe = transports.last;
    probe.open();
    expect(client.transport).toBe('sse');
    const second = client.publish('chat', 'two');
    expect(sse.sent.map((m) => m.type === 'publish' && m.data)).toEqual(['one']);
    sse.deliver({ type: 'published', ref: '1', id: 'e-1' });
    expect(client.transport).toBe('websocket');
    expect(probe.sent).toEqual([{ type: 'publish', channel: 'chat', data: 'two', ref: '2' }]);
    probe.deliver({ type: 'published', ref: '2', id: 'e-2' });
    await expect(first).resolves.toBe('e-1');
    await expect(second).resolves.toBe('e-2');
  });

  it('a probe that fails while waiting for acks releases the publishes it held back', async () => {
    const { client, transports, clock } = harness({ probeInterval: 1000, heartbeatGrace: 100_000 });
    transports.last.fail();
    const sse = transports.last;
    sse.open();
    void client.publish('chat', 'one');
    clock.advance(1000);
    transports.last.open();
    const second = client.publish('chat', 'two');
    expect(sse.sent).toHaveLength(1);
    transports.last.fail();
    expect(sse.sent.map((m) => m.type === 'publish' && m.data)).toEqual(['one', 'two']);
    sse.deliver({ type: 'published', ref: '2', id: 'e-2' });
    await expect(second).resolves.toBe('e-2');
    expect(client.transport).toBe('sse');
  });
});

describe('browser client: offline and close', () => {
  it('waits for `online` instead of spinning, then connects at once', () => {
    const platform = globalThis as unknown as { navigator?: { onLine: boolean }; addEventListener?: unknown; removeEventListener?: unknown };
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { onLine: false }, configurable: true });
    // Node has no window events: a stand-in for the page's `online` event.
    const window = new EventTarget();
    platform.addEventListener = window.addEventListener.bind(window);
    platform.removeEventListener = window.removeEventListener.bind(window);
    try {
      const { client, transports, clock } = harness();
      expect(transports.all).toHaveLength(0);
      clock.advance(600_000);
      expect(transports.all).toHaveLength(0);
      platform.navigator!.onLine = true;
      window.dispatchEvent(new Event('online'));
      expect(transports.all).toHaveLength(1);
      transports.last.open();
      transports.last.fail();
      expect(client.state).toBe('reconnecting');
      window.dispatchEvent(new Event('online')); // skips the backoff wait
      expect(transports.all).toHaveLength(2);
      client.close();
      window.dispatchEvent(new Event('online'));
      expect(transports.all).toHaveLength(2);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete platform.navigator;
      delete platform.addEventListener;
      delete platform.removeEventListener;
    }
  });

  it('close() ends the session, cancels every timer and emits close once', () => {
    const { client, transports, clock, events } = harness();
    transports.last.open();
    client.close();
    client.close();
    expect(client.state).toBe('closed');
    expect(transports.last.closed).toBe(true);
    expect(clock.pending).toBe(0);
    expect(events.filter((e) => e.type === 'close')).toHaveLength(1);
    transports.last.deliver({ type: 'message', channel: 'x', id: 'e-1', data: '' });
    clock.advance(1_000_000);
    expect(transports.all).toHaveLength(1);
  });
});
