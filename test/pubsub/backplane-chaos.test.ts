// Chaos: a real redis-server of the test's own, SIGKILLed and restarted under live
// subscribers of every transport on two servers (each its own RedisHub and Redis
// connections), with a publisher running throughout. Both servers stay up through the
// outage. Every acknowledged message must reach every subscriber exactly once and in
// order, or be named by a gap. The switchboard.v1 clients are raw WebSockets that
// subscribe once and never again: the server recovers their subscriptions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/redis.js';
import { RedisServerProcess, freePort, redisServerOnPath } from '../support/redis-server.js';
import {
  longPollSubscriber,
  sseSubscriber,
  startBackplaneNode,
  violation,
  webSocketSubscriber,
  type BackplaneNode,
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
      await publisher.stop();
      const acknowledged = publisher.acknowledged;
      const last = acknowledged.at(-1)!;
      await waitFor(() => subscribers.every((s) => lastMessageId(s) === last), 'every subscriber caught up', 10_000);

      for (const subscriber of subscribers) {
        expect({ subscriber: subscriber.name, violation: violation(subscriber.received, acknowledged) }).toEqual({ subscriber: subscriber.name, violation: null });
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
