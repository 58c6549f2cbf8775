// Chaos: a real redis-server of the test's own, SIGKILLed and restarted (without
// persistence, and with AOF) under live subscribers of every transport on two servers
// (each its own RedisHub and Redis connections), with a publisher running throughout.
// Every acknowledged message must reach every subscriber exactly once and in order, or
// be named by a gap whose `since` is the subscriber's last id.
// - Both servers stay up through the outage: the switchboard.v1 clients are raw
//   WebSockets that subscribe once and never again; the server recovers their
//   subscriptions.
// - The second server goes down too during the outage (its clients cut) and a new one,
//   with a new RedisHub, comes up on its port after Redis is back, while the first stays
//   up throughout. Its clients come back by themselves: an EventSource (Last-Event-ID), a
//   LongPollClient (its cursor) and a ReconnectingWebSocket (resubscribes with `since` =
//   its last id). What was published through the first server while the second was down
//   reaches them on resumption.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/redis.js';
import { RedisServerProcess, freePort, redisServerOnPath } from '../support/redis-server.js';
import {
  longPollSubscriber,
  reconnectingWebSocketSubscriber,
  sseSubscriber,
  startBackplaneNode,
  violation,
  webSocketSubscriber,
  type BackplaneNode,
  type Received,
  type RecordingSubscriber,
} from '../support/pubsub/backplane-node.js';
import { JsonClient } from '../support/pubsub/json-client.js';
import { waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const RECOVERY = { backoff: { initialDelayMs: 20, maxDelayMs: 200 } };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const epochOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));

async function ownRedis(persistent: boolean): Promise<RedisServerProcess> {
  let args: string[] | undefined;
  if (persistent) {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-chaos-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    args = ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  }
  const redis = new RedisServerProcess(await freePort(), args);
  await redis.start();
  cleanups.push(() => redis.kill());
  return redis;
}

async function twoNodes(redis: RedisServerProcess): Promise<BackplaneNode[]> {
  const prefix = uniquePrefix('chaos');
  const nodes = [await startBackplaneNode(redis.url, prefix, RECOVERY), await startBackplaneNode(redis.url, prefix, RECOVERY)];
  cleanups.push(...nodes.map((node) => () => node.stop()));
  return nodes;
}

/** Publishes through both nodes in turn until stopped; keeps the ids of acknowledged publishes. */
function startPublisher(nodes: readonly BackplaneNode[], channel: string) {
  const acknowledged: string[] = [];
  let failed = 0;
  let stopped = false;
  const done = (async () => {
    for (let n = 0; !stopped; n++) {
      try {
        acknowledged.push(await nodes[n % nodes.length].hub.publish(channel, { data: String(n) }));
      } catch {
        failed++;
      }
      await sleep(acknowledged.length % 2 === 0 ? 4 : 2);
    }
  })();
  return {
    acknowledged,
    get failed() {
      return failed;
    },
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * Stops the publisher, waits until every subscriber has the last acknowledged message, and
 * checks each: every acknowledged message once and in order, or named by a gap whose
 * `since` is the last id delivered. Returns the acknowledged ids.
 */
async function stopAndCheck(publisher: ReturnType<typeof startPublisher>, subscribers: readonly RecordingSubscriber[]): Promise<string[]> {
  await publisher.stop();
  const acknowledged = publisher.acknowledged;
  const last = acknowledged.at(-1)!;
  await waitFor(() => subscribers.every((s) => lastMessageId(s) === last), 'every subscriber caught up', 10_000);
  for (const subscriber of subscribers) {
    expect({ subscriber: subscriber.name, violation: violation(subscriber.received, acknowledged) }).toEqual({ subscriber: subscriber.name, violation: null });
  }
  return acknowledged;
}

const messageCount = (subscriber: RecordingSubscriber): number => subscriber.received.filter((r) => r.kind === 'message').length;
const lastMessageId = (subscriber: RecordingSubscriber): string | undefined =>
  subscriber.received.flatMap((r) => (r.kind === 'message' ? [r.id] : [])).at(-1);

describe.skipIf(!redisServerOnPath)('backplane outage under live subscribers of every transport (own redis-server)', () => {
  for (const persistent of [false, true]) {
    it(`Redis killed and restarted ${persistent ? 'with its data (AOF)' : 'without persistence'}: every acknowledged message once and in order, or named by a gap`, async () => {
      const redis = await ownRedis(persistent);
      const nodes = await twoNodes(redis);
      const channel = 'chaos';
      const subscribers: RecordingSubscriber[] = [];
      for (const [i, node] of nodes.entries()) {
        subscribers.push(await webSocketSubscriber(node, channel, `ws@${i}`), sseSubscriber(node, channel, `sse@${i}`), longPollSubscriber(node, channel, `poll@${i}`));
      }
      cleanups.push(...subscribers.map((s) => () => s.close()));
      await waitFor(() => nodes.every((node) => node.hub.subscriberCount(channel) >= 2), 'SSE and long polls subscribed');

      const publisher = startPublisher(nodes, channel);
      cleanups.push(() => publisher.stop());
      await waitFor(() => subscribers.every((s) => messageCount(s) >= 10), 'messages before the outage', 10_000);
      const beforeOutage = publisher.acknowledged.length;
      await redis.kill();
      await waitFor(() => publisher.failed >= 5, 'publishes failing during the outage');
      await sleep(150);
      await redis.start();
      await waitFor(() => publisher.acknowledged.length >= beforeOutage + 40, 'publishing again after the restart', 10_000);
      const acknowledged = await stopAndCheck(publisher, subscribers);
      for (const subscriber of subscribers) {
        const gaps = subscriber.received.filter((r) => r.kind === 'gap');
        if (persistent) expect({ subscriber: subscriber.name, gaps }).toEqual({ subscriber: subscriber.name, gaps: [] });
        else for (const gap of gaps) expect(gap).toMatchObject({ reason: 'epoch-changed' });
      }
      const epochs = new Set(acknowledged.map(epochOf));
      expect(epochs.size).toBe(persistent ? 1 : 2);
      // The WebSocket clients never resubscribed nor saw an error: one `subscribed`, no `subscription-ended`.
      for (const subscriber of subscribers) {
        if (!subscriber.name.startsWith('ws@')) continue;
        const client = (subscriber as RecordingSubscriber & { client: JsonClient }).client;
        expect(client.ofType('subscribed')).toHaveLength(1);
        expect(client.ofType('error')).toEqual([]);
        if (!persistent) expect(client.ofType('gap')).toHaveLength(1);
      }
      // Still one shared hub subscription per node.
      for (const node of nodes) expect(node.pubsub.sharedSubscriptionCount).toBe(1);
    });
  }

  for (const persistent of [false, true]) {
    it(`Redis killed and restarted ${persistent ? 'with its data (AOF)' : 'without persistence'} while the second server is down too: its clients come back by themselves and resume`, async () => {
      const redis = await ownRedis(persistent);
      const prefix = uniquePrefix('chaos-restart');
      const channel = 'chaos';
      // A stays up throughout; B is stopped during the outage and started anew after it.
      const a = await startBackplaneNode(redis.url, prefix, RECOVERY);
      cleanups.push(() => a.stop());
      let b: BackplaneNode | null = await startBackplaneNode(redis.url, prefix, RECOVERY);
      cleanups.push(() => b?.stop());
      const port = b.port;

      const onA = [await webSocketSubscriber(a, channel, 'ws@a'), sseSubscriber(a, channel, 'sse@a'), longPollSubscriber(a, channel, 'poll@a')];
      const rws = await reconnectingWebSocketSubscriber(b.base, channel, 'rws@b');
      const onB: RecordingSubscriber[] = [rws, sseSubscriber(b, channel, 'sse@b'), longPollSubscriber(b, channel, 'poll@b')];
      const subscribers = [...onA, ...onB];
      cleanups.push(...subscribers.map((s) => () => s.close()));
      const first = b;
      await waitFor(() => a.hub.subscriberCount(channel) >= 2 && first.hub.subscriberCount(channel) >= 2, 'SSE and long polls subscribed');

      // The publisher reads `live` on each publish: through A and B, through A alone while B is down.
      const live: BackplaneNode[] = [a, b];
      const publisher = startPublisher(live, channel);
      cleanups.push(() => publisher.stop());
      await waitFor(() => subscribers.every((s) => messageCount(s) >= 10), 'messages before the outage', 10_000);
      await redis.kill();
      await waitFor(() => publisher.failed >= 5, 'publishes failing during the outage');

      // B goes down while Redis is: its WebSockets are closed (1001), its streams and polls cut.
      live.splice(live.indexOf(b), 1);
      const stopping = b;
      b = null;
      await stopping.stop();
      const rwsLastBeforeCut = lastMessageId(rws);
      const countsAtCut = onB.map(messageCount);
      await sleep(150);
      await redis.start();
      const restartedAt = publisher.acknowledged.length;
      // Redis is back but B is not: A's publishes are what B's clients will have to catch up on.
      await waitFor(() => publisher.acknowledged.length >= restartedAt + 20, 'publishing through A while B is down', 10_000);
      expect(onB.map(messageCount)).toEqual(countsAtCut);

      // A new process on B's port: a new RedisHub, new Redis connections, no state of the old one.
      b = await startBackplaneNode(redis.url, prefix, RECOVERY, port);
      live.push(b);
      const backAt = publisher.acknowledged.length;
      await waitFor(() => publisher.acknowledged.length >= backAt + 40, 'publishing through both servers again', 10_000);
      const acknowledged = await stopAndCheck(publisher, subscribers);
      // What was acknowledged after Redis came back is held by it: no gap may excuse its absence.
      const afterRestart = acknowledged.slice(restartedAt);
      for (const subscriber of subscribers) {
        const ids = new Set(subscriber.received.flatMap((r) => (r.kind === 'message' ? [r.id] : [])));
        expect({ subscriber: subscriber.name, missing: afterRestart.filter((id) => !ids.has(id)) }).toEqual({ subscriber: subscriber.name, missing: [] });
      }
      for (const subscriber of subscribers) {
        const gaps = subscriber.received.filter((r) => r.kind === 'gap');
        if (persistent) expect({ subscriber: subscriber.name, gaps }).toEqual({ subscriber: subscriber.name, gaps: [] });
        else {
          // Each had messages of the lost epoch, so each must have been told.
          expect({ subscriber: subscriber.name, gapped: gaps.length > 0 }).toEqual({ subscriber: subscriber.name, gapped: true });
          for (const gap of gaps) expect(gap).toMatchObject({ reason: 'epoch-changed' });
        }
      }
      expect(new Set(acknowledged.map(epochOf)).size).toBe(persistent ? 1 : 2);

      // A's raw WebSocket never noticed: one `subscribed`, no error.
      const raw = (onA[0] as RecordingSubscriber & { client: JsonClient }).client;
      expect(raw.ofType('subscribed')).toHaveLength(1);
      expect(raw.ofType('error')).toEqual([]);
      // B's ReconnectingWebSocket was closed by the stopping server (1001), came back once
      // and resumed from the last message it had.
      expect(rws.record.closeCodes[0]).toBe(1001);
      expect(rws.record.reconnects).toBeGreaterThanOrEqual(1);
      expect(rws.record.subscribed).toHaveLength(2);
      expect(rws.record.errors).toEqual([]);
      expect(rws.record.resumes.map((r) => ({ since: r.since, lossy: r.lossy }))).toEqual([{ since: rwsLastBeforeCut, lossy: !persistent }]);
      for (const node of [a, b]) expect(node.pubsub.sharedSubscriptionCount).toBe(1);
    });
  }

  it('a subscribe made while Redis is down completes after Redis returns', async () => {
    const redis = await ownRedis(false);
    const [node] = await twoNodes(redis);
    await redis.kill();
    const client = await JsonClient.connect(node.base.replace('http', 'ws'));
    cleanups.push(() => client.close());
    client.send({ type: 'subscribe', channel: 'later' });
    client.send({ type: 'subscribe', channel: 'resume', since: 'feedface-0' });
    await sleep(300);
    expect(client.received).toEqual([]);
    await redis.start();
    await client.next((m) => m.type === 'subscribed' && m.channel === 'later', 'the held subscribe completed', 10_000);
    await client.next((m) => m.type === 'subscribed' && m.channel === 'resume', 'the held resume completed', 10_000);
    // The resume names an id of a Redis that no longer exists: an explicit gap, not silence.
    expect(client.ofType('gap', 'resume')).toEqual([{ type: 'gap', channel: 'resume', since: 'feedface-0', reason: 'epoch-changed', firstAvailableId: null }]);
    const id = await node.hub.publish('later', { data: 'after the outage' });
    expect(await client.next((m) => m.type === 'message', 'live message')).toMatchObject({ channel: 'later', id, data: 'after the outage' });
    expect(client.ofType('error')).toEqual([]);
  });
});

describe('the checker of these tests', () => {
  const acknowledged = ['e-1', 'e-2', 'e-3', 'e-4', 'e-5'];
  const messages = (...ids: string[]): Received[] => ids.map((id) => ({ kind: 'message', id, data: '' }));
  const gap = (since: string, firstAvailableId: string | null): Received => ({ kind: 'gap', since, reason: 'epoch-changed', firstAvailableId });

  it('accepts every message once and in order, and a gap that names what is missing', () => {
    expect(violation(messages(...acknowledged), acknowledged)).toBeNull();
    expect(violation([...messages('e-1', 'e-2'), gap('e-2', 'e-4'), ...messages('e-4', 'e-5')], acknowledged)).toBeNull();
  });

  it('flags a client that resumed from the wrong id', () => {
    // From an older id: the messages after it come again.
    expect(violation(messages('e-1', 'e-2', 'e-3', 'e-2', 'e-3', 'e-4', 'e-5'), acknowledged)).toBe('e-2 delivered twice');
    // From a later id (or none), with no gap: silent loss.
    expect(violation(messages('e-1', 'e-2', 'e-4', 'e-5'), acknowledged)).toBe('missed e-3 with no gap before e-4');
    // A gap from an id other than the last one delivered.
    expect(violation([...messages('e-1', 'e-2'), gap('e-1', 'e-4'), ...messages('e-4', 'e-5')], acknowledged)).toBe('gap since e-1, but the last id delivered was e-2');
    // A gap that does not reach as far as what is missing.
    expect(violation([...messages('e-1'), gap('e-1', 'e-2'), ...messages('e-4', 'e-5')], acknowledged)).toBe('missed e-2, e-3; the gap only covered up to e-2');
    expect(violation(messages('e-1', 'e-2', 'e-3'), acknowledged)).toBe('missing the tail from e-4');
  });
});
