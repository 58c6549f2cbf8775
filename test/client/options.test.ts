import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/client/options.js';
import type { FetchLike, RequestInitLike } from '../../src/client/platform.js';
import { sessionPoster } from '../../src/client/session-post.js';
import { flush } from './fakes.js';

describe('browser client options', () => {
  it('fills in the documented defaults', () => {
    const o = resolveOptions({});
    expect(o.transports).toEqual(['websocket', 'sse', 'polling']);
    expect([o.connectTimeout, o.heartbeatGrace, o.probeInterval, o.maxQueued, o.maxQueuedBytes]).toEqual([5000, 10_000, 60_000, 1000, 1024 * 1024]);
    expect(o.backoff.options).toMatchObject({ initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, jitter: 0.1 });
  });

  it('refuses options that would make it spin or never connect', () => {
    expect(() => resolveOptions({ connectTimeout: 0 })).toThrow(/connectTimeout must be a positive number/);
    expect(() => resolveOptions({ heartbeatGrace: Number.NaN })).toThrow(/heartbeatGrace/);
    expect(() => resolveOptions({ transports: [] })).toThrow(/transports/);
    expect(() => resolveOptions({ transports: ['carrier-pigeon' as 'sse'] })).toThrow(/transports/);
    expect(() => resolveOptions({ backoff: { multiplier: 0.5 } })).toThrow(/multiplier/);
  });
});

describe('session POSTs', () => {
  it('one at a time, in order; what accumulates goes in the next, split under the body limit', async () => {
    const bodies: string[] = [];
    const answers: Array<(status: number) => void> = [];
    const fetch: FetchLike = (_url: string, init: RequestInitLike) =>
      new Promise((resolve) => {
        bodies.push(init.body!);
        answers.push((status) => resolve({ status, body: null, json: async () => null }));
      });
    const failures: string[] = [];
    const send = sessionPoster('http://h/sb/session/s', fetch, new AbortController().signal, (reason) => failures.push(reason));
    const big = 'x'.repeat(200 * 1024);
    send([{ type: 'subscribe', channel: 'a' }]);
    send([{ type: 'publish', channel: 'a', data: big, ref: '1' }]);
    send([{ type: 'publish', channel: 'a', data: big, ref: '2' }, { type: 'unsubscribe', channel: 'a' }]);
    expect(bodies).toEqual(['[{"type":"subscribe","channel":"a"}]']);
    answers[0](204);
    await flush();
    expect(bodies).toHaveLength(2);
    expect(JSON.parse(bodies[1])).toHaveLength(1); // two 200 Ki publishes do not share a body
    answers[1](204);
    await flush();
    expect(JSON.parse(bodies[2]).map((m: { type: string }) => m.type)).toEqual(['publish', 'unsubscribe']);
    answers[2](413);
    await flush();
    expect(failures).toEqual(['POST answered 413']);
  });
});
