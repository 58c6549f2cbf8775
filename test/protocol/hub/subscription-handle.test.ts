import { describe, expect, it } from 'vitest';
import type { Hub, SubscribeOptions, Subscription, SubscriptionEvent, SubscriptionListener } from '../../../src/protocol/hub/contract.js';
import { openSubscription } from '../../../src/protocol/hub/subscription-handle.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A hub whose subscribe() the test settles by hand, recording every call. */
function manualHub(unsubscribe: () => Promise<void> = async () => {}) {
  const calls: { channel: string; listener: SubscriptionListener; options: SubscribeOptions | undefined }[] = [];
  let settle: { resolve: (subscription: Subscription) => void; reject: (error: unknown) => void } | undefined;
  let unsubscribed = 0;
  const hub: Hub = {
    publish: async () => 'e-1',
    close: async () => {},
    subscribe: (channel, listener, options) => {
      calls.push({ channel, listener, options });
      return new Promise((resolve, reject) => (settle = { resolve, reject }));
    },
  };
  const subscription: Subscription = {
    channel: 'c',
    unsubscribe: () => {
      unsubscribed++;
      return unsubscribe();
    },
  };
  return {
    hub,
    calls,
    resolve: () => settle!.resolve(subscription),
    reject: (error: unknown) => settle!.reject(error),
    get unsubscribed() {
      return unsubscribed;
    },
  };
}

const live: SubscriptionEvent = { type: 'live', channel: 'c', headId: 'e-0' };
const noFailure = (): void => {
  throw new Error('no failure expected');
};

describe('openSubscription', () => {
  it('subscribes a microtask later, passing the channel and since, and holds the subscription until stop()', async () => {
    const fake = manualHub();
    const handle = openSubscription(fake.hub, 'c', () => {}, { since: 'e-4', onFailure: noFailure });
    expect(fake.calls).toHaveLength(0);
    await tick();
    expect(fake.calls).toMatchObject([{ channel: 'c', options: { since: 'e-4' } }]);
    fake.resolve();
    await tick();
    expect(fake.unsubscribed).toBe(0);
    expect(handle.stopped).toBe(false);
    handle.stop();
    handle.stop();
    expect(handle.stopped).toBe(true);
    expect(fake.unsubscribed).toBe(1);
  });

  it('passes no since when there is none', async () => {
    const fake = manualHub();
    openSubscription(fake.hub, 'c', () => {}, { onFailure: noFailure });
    await tick();
    expect(fake.calls[0].options).toEqual({});
  });

  it('unsubscribes what arrives after stop(): the client left while the hub was subscribing', async () => {
    const fake = manualHub();
    const handle = openSubscription(fake.hub, 'c', () => {}, { onFailure: noFailure });
    await tick();
    handle.stop();
    expect(fake.unsubscribed).toBe(0);
    fake.resolve();
    await tick();
    expect(fake.unsubscribed).toBe(1);
  });

  it('does not subscribe at all when stopped before the hub was asked', async () => {
    const fake = manualHub();
    openSubscription(fake.hub, 'c', () => {}, { onFailure: noFailure }).stop();
    await tick();
    expect(fake.calls).toHaveLength(0);
  });

  it('delivers events until stop(), none after', async () => {
    const fake = manualHub();
    const events: SubscriptionEvent[] = [];
    const handle = openSubscription(fake.hub, 'c', (event) => events.push(event), { onFailure: noFailure });
    await tick();
    fake.calls[0].listener(live);
    handle.stop();
    fake.calls[0].listener(live);
    expect(events).toEqual([live]);
  });

  it('reports a rejection or a synchronous throw as an Error, even after stop()', async () => {
    const fake = manualHub();
    const failures: Error[] = [];
    const stoppedFirst = openSubscription(fake.hub, 'c', () => {}, { onFailure: (error) => failures.push(error) });
    await tick();
    stoppedFirst.stop();
    fake.reject('down');
    const throwing: Hub = {
      ...fake.hub,
      subscribe: () => {
        throw new RangeError('bad channel');
      },
    };
    openSubscription(throwing, 'c', () => {}, { onFailure: (error) => failures.push(error) });
    await tick();
    expect(failures.map((error) => [error.constructor, error.message])).toEqual([
      [Error, 'down'],
      [RangeError, 'bad channel'],
    ]);
  });

  it('ignores an unsubscribe that rejects or throws: delivery has stopped either way', async () => {
    const rejecting = manualHub(() => Promise.reject(new Error('redis down')));
    const a = openSubscription(rejecting.hub, 'c', () => {}, { onFailure: noFailure });
    await tick();
    rejecting.resolve();
    await tick();
    a.stop();
    const throwing = manualHub(() => {
      throw new Error('sync');
    });
    const b = openSubscription(throwing.hub, 'c', () => {}, { onFailure: noFailure });
    await tick();
    throwing.resolve();
    await tick();
    expect(() => b.stop()).not.toThrow();
    await tick();
    expect([rejecting.unsubscribed, throwing.unsubscribed]).toEqual([1, 1]);
  });
});
