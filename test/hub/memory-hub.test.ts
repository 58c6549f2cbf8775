import { describe, expect, it } from 'vitest';
import {
  HubClosedError,
  HubInputError,
  MemoryHub,
  formatMessageId,
  parseMessageId,
  type SubscriptionEvent,
} from '../../src/hub/index.js';

function recorder(): { events: SubscriptionEvent[]; listener: (event: SubscriptionEvent) => void } {
  const events: SubscriptionEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

const ids = (events: SubscriptionEvent[]): string[] =>
  events.flatMap((event) => (event.type === 'message' ? [event.message.id] : []));

describe('message ids', () => {
  it('format and parse epoch-offset ids', () => {
    expect(formatMessageId('ab12', 7)).toBe('ab12-7');
    expect(parseMessageId('ab12-7')).toEqual({ epoch: 'ab12', offset: 7 });
    expect(parseMessageId('ab12-0')).toEqual({ epoch: 'ab12', offset: 0 });
    for (const bad of ['', '7', 'ab-', '-1', 'ab-01', 'a b-1', 'ab-1.5', 'ab-99999999999999999', `${'x'.repeat(65)}-1`]) {
      expect(parseMessageId(bad)).toBeNull();
    }
  });
});

describe('MemoryHub publish', () => {
  it('gives ids that increase by one within a channel, independently per channel', async () => {
    const hub = new MemoryHub({ epoch: 'e1' });
    expect(await hub.publish('a', { data: 'x' })).toBe('e1-1');
    expect(await hub.publish('a', { data: 'y' })).toBe('e1-2');
    expect(await hub.publish('b', { data: 'z', event: 'note' })).toBe('e1-1');
  });

  it('uses a fresh random epoch per instance, so a restart is visible', () => {
    const a = new MemoryHub();
    const b = new MemoryHub();
    expect(a.epoch).toMatch(/^[0-9a-f]{12}$/);
    expect(a.epoch).not.toBe(b.epoch);
  });

  it('rejects bad input with clear errors', async () => {
    const hub = new MemoryHub({ maxDataLength: 4, maxChannels: 1 });
    await expect(hub.publish('', { data: 'x' })).rejects.toThrow(HubInputError);
    await expect(hub.publish('c'.repeat(257), { data: 'x' })).rejects.toThrow(/channel must be a string/);
    await expect(hub.publish('a', { data: 1 as unknown as string })).rejects.toThrow(/data must be a string/);
    await expect(hub.publish('a', { data: '12345' })).rejects.toThrow(/maxDataLength/);
    await expect(hub.publish('a', { data: 'x', event: 3 as unknown as string })).rejects.toThrow(/event must be a string/);
    await hub.publish('a', { data: 'x' });
    await expect(hub.publish('b', { data: 'x' })).rejects.toThrow(/maxChannels/);
    await expect(hub.subscribe('a', 'nope' as unknown as () => void)).rejects.toThrow(/listener must be a function/);
  });

  it('rejects bad options', () => {
    expect(() => new MemoryHub({ epoch: 'has-dash' })).toThrow(/epoch/);
    expect(() => new MemoryHub({ maxHistory: -1 })).toThrow(/maxHistory/);
    expect(() => new MemoryHub({ maxHistoryAgeMs: 0 })).toThrow(/maxHistoryAgeMs/);
    expect(() => new MemoryHub({ maxChannels: 1.5 })).toThrow(/maxChannels/);
  });
});

describe('MemoryHub subscribe', () => {
  it('without since: only live messages, after a live marker with the head id', async () => {
    const hub = new MemoryHub({ epoch: 'e' });
    await hub.publish('c', { data: 'old' });
    const { events, listener } = recorder();
    await hub.subscribe('c', listener);
    await hub.publish('c', { data: 'new', event: 'note' });
    expect(events).toEqual([
      { type: 'live', channel: 'c', headId: 'e-1' },
      { type: 'message', message: expect.objectContaining({ channel: 'c', id: 'e-2', offset: 2, epoch: 'e', event: 'note', data: 'new' }) },
    ]);
  });

  it('with since: replays what came after it, then goes live, each message once', async () => {
    const hub = new MemoryHub({ epoch: 'e' });
    for (let i = 1; i <= 5; i++) await hub.publish('c', { data: String(i) });
    const { events, listener } = recorder();
    await hub.subscribe('c', listener, { since: 'e-2' });
    await hub.publish('c', { data: '6' });
    expect(ids(events)).toEqual(['e-3', 'e-4', 'e-5', 'e-6']);
    expect(events[3]).toEqual({ type: 'live', channel: 'c', headId: 'e-5' });
  });

  it('since = head replays nothing and reports no gap', async () => {
    const hub = new MemoryHub({ epoch: 'e' });
    await hub.publish('c', { data: '1' });
    const { events, listener } = recorder();
    await hub.subscribe('c', listener, { since: 'e-1' });
    expect(events).toEqual([{ type: 'live', channel: 'c', headId: 'e-1' }]);
    const empty = recorder();
    await hub.subscribe('fresh', empty.listener, { since: 'e-0' });
    expect(empty.events).toEqual([{ type: 'live', channel: 'fresh', headId: 'e-0' }]);
  });

  it('reports a gap with the first id still held when since is older than the history', async () => {
    const hub = new MemoryHub({ epoch: 'e', maxHistory: 3 });
    for (let i = 1; i <= 10; i++) await hub.publish('c', { data: String(i) });
    const { events, listener } = recorder();
    await hub.subscribe('c', listener, { since: 'e-2' });
    expect(events[0]).toEqual({ type: 'gap', channel: 'c', since: 'e-2', reason: 'expired', firstAvailableId: 'e-8' });
    expect(ids(events)).toEqual(['e-8', 'e-9', 'e-10']);
    // Exactly one before the first held id is not a gap.
    const edge = recorder();
    await hub.subscribe('c', edge.listener, { since: 'e-7' });
    expect(edge.events[0].type).toBe('message');
    expect(ids(edge.events)).toEqual(['e-8', 'e-9', 'e-10']);
  });

  it('drops history by age', async () => {
    let now = 0;
    const hub = new MemoryHub({ epoch: 'e', maxHistoryAgeMs: 1000, now: () => now });
    await hub.publish('c', { data: '1' });
    now = 600;
    await hub.publish('c', { data: '2' });
    now = 1200;
    const { events, listener } = recorder();
    await hub.subscribe('c', listener, { since: 'e-0' });
    expect(events[0]).toMatchObject({ type: 'gap', reason: 'expired', firstAvailableId: 'e-2' });
    expect(ids(events)).toEqual(['e-2']);
    now = 5000;
    const late = recorder();
    await hub.subscribe('c', late.listener, { since: 'e-1' });
    expect(late.events).toEqual([
      { type: 'gap', channel: 'c', since: 'e-1', reason: 'expired', firstAvailableId: null },
      { type: 'live', channel: 'c', headId: 'e-2' },
    ]);
  });

  it('with maxHistory 0 keeps no history but still detects gaps', async () => {
    const hub = new MemoryHub({ epoch: 'e', maxHistory: 0 });
    await hub.publish('c', { data: '1' });
    await hub.publish('c', { data: '2' });
    const ok = recorder();
    await hub.subscribe('c', ok.listener, { since: 'e-2' });
    expect(ok.events.map((e) => e.type)).toEqual(['live']);
    const gap = recorder();
    await hub.subscribe('c', gap.listener, { since: 'e-1' });
    expect(gap.events[0]).toMatchObject({ type: 'gap', reason: 'expired', firstAvailableId: null });
  });

  it('tells "the server forgot" (another epoch) from "nothing new"', async () => {
    const before = new MemoryHub({ epoch: 'old' });
    const id = await before.publish('c', { data: 'x' });
    const after = new MemoryHub({ epoch: 'new' });
    await after.publish('c', { data: 'y' });
    const { events, listener } = recorder();
    await after.subscribe('c', listener, { since: id });
    expect(events[0]).toEqual({ type: 'gap', channel: 'c', since: 'old-1', reason: 'epoch-changed', firstAvailableId: 'new-1' });
    expect(ids(events)).toEqual(['new-1']);
  });

  it('reports unknown ids (malformed, or ahead of the channel) as gaps', async () => {
    const hub = new MemoryHub({ epoch: 'e' });
    await hub.publish('c', { data: '1' });
    for (const since of ['garbage', 'e-9']) {
      const { events, listener } = recorder();
      await hub.subscribe('c', listener, { since });
      expect(events[0]).toMatchObject({ type: 'gap', reason: 'unknown-id', firstAvailableId: 'e-1' });
      expect(ids(events)).toEqual(['e-1']);
    }
  });

  it('stops delivery after unsubscribe, and unsubscribe is idempotent', async () => {
    const hub = new MemoryHub({ epoch: 'e' });
    const { events, listener } = recorder();
    const subscription = await hub.subscribe('c', listener);
    await hub.publish('c', { data: '1' });
    await subscription.unsubscribe();
    await subscription.unsubscribe();
    await hub.publish('c', { data: '2' });
    expect(ids(events)).toEqual(['e-1']);
    expect(subscription.channel).toBe('c');
  });

  it('removes a listener that throws without disturbing the others', async () => {
    const hub = new MemoryHub({ epoch: 'e' });
    let calls = 0;
    await hub.subscribe('c', (event) => {
      if (event.type === 'message') {
        calls++;
        throw new Error('broken');
      }
    });
    const { events, listener } = recorder();
    await hub.subscribe('c', listener);
    await hub.publish('c', { data: '1' });
    await hub.publish('c', { data: '2' });
    expect(calls).toBe(1);
    expect(ids(events)).toEqual(['e-1', 'e-2']);
  });

  it('keeps ids exact over long runs while trimming', async () => {
    const hub = new MemoryHub({ epoch: 'e', maxHistory: 50 });
    for (let i = 1; i <= 1000; i++) await hub.publish('c', { data: String(i) });
    const { events, listener } = recorder();
    await hub.subscribe('c', listener, { since: 'e-960' });
    expect(ids(events)).toEqual(Array.from({ length: 40 }, (_, i) => `e-${961 + i}`));
    const datas = events.flatMap((e) => (e.type === 'message' ? [e.message.data] : []));
    expect(datas[0]).toBe('961');
  });
});

describe('MemoryHub channel bookkeeping', () => {
  it('forgets channels that were only subscribed to, so they do not use up maxChannels', async () => {
    const hub = new MemoryHub({ epoch: 'e', maxChannels: 2 });
    for (let i = 0; i < 10; i++) {
      const subscription = await hub.subscribe(`probe-${i}`, () => undefined);
      await subscription.unsubscribe();
    }
    expect(hub.channelCount).toBe(0);
    await hub.publish('real', { data: '1' });
    const subscription = await hub.subscribe('real', () => undefined);
    await subscription.unsubscribe();
    // A channel that issued ids keeps its counter: the next id must not repeat.
    expect(hub.channelCount).toBe(1);
    expect(await hub.publish('real', { data: '2' })).toBe('e-2');
  });
});

describe('MemoryHub close', () => {
  it('ends subscriptions with an error event and rejects later calls', async () => {
    const hub = new MemoryHub();
    const { events, listener } = recorder();
    await hub.subscribe('c', listener);
    await hub.subscribe('c', () => {
      throw new Error('ignored');
    });
    await hub.close();
    await hub.close();
    expect(events.at(-1)).toMatchObject({ type: 'error', channel: 'c' });
    expect((events.at(-1) as { error: Error }).error).toBeInstanceOf(HubClosedError);
    await expect(hub.publish('c', { data: 'x' })).rejects.toThrow(HubClosedError);
    await expect(hub.subscribe('c', listener)).rejects.toThrow(HubClosedError);
  });
});
