// The pub/sub server through a hub outage, with a hub that goes down on command
// (FlakyHub) and timers the test fires: live subscriptions carry on from the fan-out's
// last id, exactly once and in order or with a gap; subscribes made during the outage are
// held and completed; nothing leaks when members leave mid-recovery. The same against a
// real redis-server killed and restarted: backplane-chaos.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import type { PubSubRecoveryOptions } from '../../src/pubsub/index.js';
import { FlakyHub, ManualTimers } from '../support/pubsub/flaky-hub.js';
import { JsonClient, startPubSub, type Json } from '../support/pubsub/json-client.js';
import { waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Retry timers are short; the subscribe deadline (60 s by default) is not one of them. */
const RETRY = 10_000;

async function setup(recovery: PubSubRecoveryOptions = {}) {
  const timers = new ManualTimers();
  const hub = new FlakyHub(new MemoryHub({ epoch: 'a' }));
  const { pubsub, url } = await startPubSub({ hub, recovery: { timers, random: () => 0.5, ...recovery } });
  cleanups.push(() => hub.close(), () => pubsub.close());
  const connect = async (): Promise<JsonClient> => {
    const client = await JsonClient.connect(url);
    cleanups.push(() => client.close());
    return client;
  };
  return { timers, hub, pubsub, connect };
}

const isType = (type: string) => (m: Json) => m.type === type;
const messages = (client: JsonClient): string[] => client.ofType('message').map((m) => `${m.id}:${m.data}`);
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe('switchboard.v1 server through a hub outage', () => {
  it('live subscribers get what was published during the outage, once and in order, through one re-subscribe per channel', async () => {
    const { timers, hub, pubsub, connect } = await setup();
    const clients = [await connect(), await connect()];
    for (const client of clients) client.send({ type: 'subscribe', channel: 'c' });
    await waitFor(() => clients.every((c) => c.ofType('subscribed').length === 1), 'subscribed');
    await hub.publish('c', { data: '1' });
    await waitFor(() => clients.every((c) => messages(c).length === 1), 'first message');
    const callsBefore = hub.subscribeCalls.length;

    hub.goDown();
    // Published elsewhere while this process's hub connection is down.
    for (const data of ['2', '3', '4']) await hub.inner.publish('c', { data });
    await settle();
    expect(timers.count(RETRY)).toBe(1);
    expect(pubsub.sharedSubscriptionCount).toBe(1);
    // A retry while still down fails and backs off further.
    timers.fire(RETRY);
    await waitFor(() => timers.count(RETRY) === 1, 'the second retry scheduled');
    hub.comeBack();
    timers.fire(RETRY);
    await waitFor(() => clients.every((c) => messages(c).length === 4), 'the missed messages');
    await hub.publish('c', { data: '5' });
    await waitFor(() => clients.every((c) => messages(c).length === 5), 'live again');
    for (const client of clients) {
      expect(messages(client)).toEqual(['a-1:1', 'a-2:2', 'a-3:3', 'a-4:4', 'a-5:5']);
      expect(client.ofType('error')).toEqual([]);
      expect(client.ofType('gap')).toEqual([]);
      expect(client.ofType('subscribed')).toHaveLength(1);
    }
    // One channel, one process: two attempts (one refused), each resuming after a-1.
    expect(hub.subscribeCalls.slice(callsBefore)).toEqual([
      { channel: 'c', since: 'a-1' },
      { channel: 'c', since: 'a-1' },
    ]);
    expect(hub.openSubscriptions).toBe(1);
    // The shared backoff policy, server schedule: 100 ms, then 200 ms (no jitter at 0.5).
    expect(timers.requested.filter((ms) => ms <= RETRY)).toEqual([100, 200]);
  });

  it('a hub that lost its data (new epoch) gives each subscriber a gap naming its last id, then the new messages', async () => {
    const { timers, hub, connect } = await setup();
    const client = await connect();
    client.send({ type: 'subscribe', channel: 'c' });
    await client.next(isType('subscribed'), 'subscribed');
    await hub.publish('c', { data: 'old' });
    await client.next(isType('message'), 'old message');
    hub.goDown();
    await settle();
    const fresh = hub.restartEmpty('b');
    await fresh.publish('c', { data: 'new' });
    timers.fire(RETRY);
    await waitFor(() => messages(client).length === 2, 'the new epoch message');
    const afterSubscribed = client.received.slice(client.received.findIndex(isType('subscribed')) + 1);
    expect(afterSubscribed).toEqual([
      { type: 'message', channel: 'c', id: 'a-1', data: 'old' },
      { type: 'gap', channel: 'c', since: 'a-1', reason: 'epoch-changed', firstAvailableId: 'b-1' },
      { type: 'message', channel: 'c', id: 'b-1', data: 'new' },
    ]);
  });

  it('holds a subscribe made during the outage and completes it when the hub is back (live only and with since)', async () => {
    const { timers, hub, connect } = await setup();
    await hub.publish('c', { data: '1' });
    hub.goDown();
    const live = await connect();
    const resuming = await connect();
    live.send({ type: 'subscribe', channel: 'c' });
    resuming.send({ type: 'subscribe', channel: 'c', since: 'a-0' });
    await waitFor(() => timers.count(RETRY) === 2, 'both attempts refused and scheduled');
    await settle();
    expect(live.received).toEqual([]);
    expect(resuming.received).toEqual([]);
    await hub.inner.publish('c', { data: '2' });
    hub.comeBack();
    timers.fire(RETRY);
    await live.next(isType('subscribed'), 'live subscribed');
    await waitFor(() => messages(resuming).length === 2, 'replay');
    await hub.publish('c', { data: '3' });
    await waitFor(() => messages(live).length === 1 && messages(resuming).length === 3, 'live messages');
    expect(live.received).toEqual([
      { type: 'subscribed', channel: 'c', headId: 'a-2' },
      { type: 'message', channel: 'c', id: 'a-3', data: '3' },
    ]);
    expect(messages(resuming)).toEqual(['a-1:1', 'a-2:2', 'a-3:3']);
    expect(resuming.ofType('subscribed')).toHaveLength(1);
    expect(timers.count()).toBe(0);
  });

  it('a member joining while the fan-out recovers waits for it, and gets only what comes after its subscribed', async () => {
    const { timers, hub, pubsub, connect } = await setup();
    const early = await connect();
    early.send({ type: 'subscribe', channel: 'c' });
    await early.next(isType('subscribed'), 'subscribed');
    await hub.publish('c', { data: '1' });
    await early.next(isType('message'), 'message');
    hub.goDown();
    await settle();
    const late = await connect();
    late.send({ type: 'subscribe', channel: 'c' });
    await settle();
    expect(late.received).toEqual([]);
    // It joined the recovering fan-out: still one shared subscription.
    expect(pubsub.sharedSubscriptionCount).toBe(1);
    expect(timers.count(RETRY)).toBe(1);
    await hub.inner.publish('c', { data: '2' });
    hub.comeBack();
    timers.fire(RETRY);
    await late.next(isType('subscribed'), 'late subscribed');
    await waitFor(() => messages(early).length === 2, 'the missed message');
    await hub.publish('c', { data: '3' });
    await waitFor(() => messages(early).length === 3 && messages(late).length === 1, 'live');
    expect(messages(early)).toEqual(['a-1:1', 'a-2:2', 'a-3:3']);
    expect(late.received).toEqual([
      { type: 'subscribed', channel: 'c', headId: 'a-2' },
      { type: 'message', channel: 'c', id: 'a-3', data: '3' },
    ]);
    expect(hub.openSubscriptions).toBe(1);
  });

  it('the last member leaving during the outage cancels the retry: no timer, no shared subscription, no re-subscribe', async () => {
    const { timers, hub, pubsub, connect } = await setup();
    const client = await connect();
    client.send({ type: 'subscribe', channel: 'c' });
    await client.next(isType('subscribed'), 'subscribed');
    const other = await connect();
    other.send({ type: 'subscribe', channel: 'c', since: 'a-0' });
    await other.next(isType('subscribed'), 'other subscribed');
    await waitFor(() => hub.openSubscriptions === 1, 'replay switched to the fan-out');
    hub.goDown();
    await waitFor(() => timers.count(RETRY) === 1, 'retry scheduled');
    client.send({ type: 'unsubscribe', channel: 'c' });
    await client.next(isType('unsubscribed'), 'unsubscribed');
    expect(timers.count(RETRY)).toBe(1);
    await other.close();
    await waitFor(() => pubsub.sharedSubscriptionCount === 0, 'fan-out gone');
    expect(timers.count()).toBe(0);
    const calls = hub.subscribeCalls.length;
    hub.comeBack();
    await settle();
    expect(hub.subscribeCalls.length).toBe(calls);
    expect(hub.openSubscriptions).toBe(0);
  });

  it('a held subscribe gives up with subscribe-failed after subscribeTimeoutMs, and stops retrying', async () => {
    const { timers, hub, pubsub, connect } = await setup({ subscribeTimeoutMs: 30_000 });
    hub.goDown();
    const client = await connect();
    client.send({ type: 'subscribe', channel: 'c' });
    await waitFor(() => timers.count(RETRY) === 1, 'retry scheduled');
    timers.fire(RETRY);
    await waitFor(() => timers.count(RETRY) === 1, 'second retry scheduled');
    expect(client.received).toEqual([]);
    // The deadline (set first) fires, and cancels the pending retry before it can run.
    expect(timers.fire(Infinity)).toBe(1);
    const error = await client.next(isType('error'), 'subscribe-failed');
    expect(error).toMatchObject({ code: 'subscribe-failed', channel: 'c', message: expect.stringMatching(/within 30000 ms/) });
    await waitFor(() => pubsub.sharedSubscriptionCount === 0, 'fan-out gone');
    expect(timers.count()).toBe(0);
    // The channel can be subscribed again once the hub is back.
    hub.comeBack();
    client.send({ type: 'subscribe', channel: 'c' });
    await client.next(isType('subscribed'), 'subscribed after all');
  });

  it('with subscribeTimeoutMs Infinity a subscribe waits as long as the outage lasts; a closed hub still ends everything', async () => {
    const { timers, hub, connect } = await setup({ subscribeTimeoutMs: Infinity });
    const live = await connect();
    live.send({ type: 'subscribe', channel: 'live' });
    await live.next(isType('subscribed'), 'subscribed');
    hub.goDown();
    const held = await connect();
    held.send({ type: 'subscribe', channel: 'held' });
    await waitFor(() => timers.count() === 2, 'two retries, no deadline');
    // Closing the hub is a genuine end: no more retries, subscription-ended / subscribe-failed.
    await hub.close();
    hub.comeBack();
    timers.fire();
    expect(await live.next(isType('error'), 'ended')).toMatchObject({ code: 'subscription-ended', channel: 'live', message: 'hub closed' });
    expect(await held.next(isType('error'), 'failed')).toMatchObject({ code: 'subscribe-failed', channel: 'held', message: 'hub closed' });
    expect(timers.count()).toBe(0);
  });

  it('rejects bad recovery options', async () => {
    const hub = new MemoryHub();
    for (const recovery of [{ subscribeTimeoutMs: 0 }, { subscribeTimeoutMs: 2 ** 31 }, { backoff: { multiplier: 0.5 } }]) {
      await expect(startPubSub({ hub, recovery })).rejects.toThrow(RangeError);
    }
  });
});
