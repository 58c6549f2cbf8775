// Hub publish latency and backplane errors as counted, with a RedisHub on fake clients
// (a real Redis is in test/hub/redis-hub.test.ts; here the failures are chosen).
import { describe, expect, it } from 'vitest';
import { RedisHub } from '../../src/hub/index.js';
import { metrics, renderPrometheus } from '../../src/metrics/index.js';
import { parsePrometheus, valueOf } from '../support/prometheus-text.js';

const read = (name: string, labels: Record<string, string>): number => valueOf(parsePrometheus(renderPrometheus(metrics.collect())), name, labels);

function fakeSubscriber(): { subscribe(): Promise<void>; unsubscribe(): Promise<void>; onConnectionLost(listener: (error: Error) => void): () => void; lose(error: Error): void } {
  let lost: ((error: Error) => void) | undefined;
  return {
    subscribe: async () => {},
    unsubscribe: async () => {},
    onConnectionLost: (listener) => {
      lost = listener;
      return () => (lost = undefined);
    },
    lose: (error) => lost?.(error),
  };
}

describe('hub metrics', () => {
  it('a failed publish is a backplane error, and is not timed as a publish', async () => {
    const errorsBefore = read('switchboard_backplane_errors_total', { operation: 'publish' });
    const timedBefore = read('switchboard_hub_publish_duration_seconds_count', { hub: 'redis' });
    const hub = new RedisHub({ commander: { sendCommand: async () => Promise.reject(new Error('READONLY')) }, subscriber: fakeSubscriber() });
    await expect(hub.publish('news', { data: 'x' })).rejects.toThrow(/READONLY/);
    expect(read('switchboard_backplane_errors_total', { operation: 'publish' }) - errorsBefore).toBe(1);
    expect(read('switchboard_hub_publish_duration_seconds_count', { hub: 'redis' }) - timedBefore).toBe(0);
    await hub.close();
  });

  it('a publish that succeeds is timed; a lost subscriber connection is counted', async () => {
    const timedBefore = read('switchboard_hub_publish_duration_seconds_count', { hub: 'redis' });
    const lostBefore = read('switchboard_backplane_errors_total', { operation: 'connection-lost' });
    const subscriber = fakeSubscriber();
    // The publish script's reply: the epoch and the new offset.
    const hub = new RedisHub({ commander: { sendCommand: async () => ['e1', '7'] }, subscriber });
    expect(await hub.publish('news', { data: 'x' })).toBe('e1-7');
    subscriber.lose(new Error('ECONNRESET'));
    expect(read('switchboard_hub_publish_duration_seconds_count', { hub: 'redis' }) - timedBefore).toBe(1);
    expect(read('switchboard_backplane_errors_total', { operation: 'connection-lost' }) - lostBefore).toBe(1);
    await hub.close();
  });
});
