import { describe, expect, it } from 'vitest';
import { PublishError } from '../../src/client/publishes.js';
import { harness } from './fakes.js';

describe('browser client: publish', () => {
  it('queues while connecting, sends after the resubscriptions, resolves with the id', async () => {
    const { client, transports } = harness();
    client.subscribe('chat', () => {});
    const id = client.publish('chat', 'hello', { event: 'say' });
    transports.last.open();
    expect(transports.last.sent).toEqual([
      { type: 'subscribe', channel: 'chat', since: undefined },
      { type: 'publish', channel: 'chat', data: 'hello', event: 'say', ref: '1' },
    ]);
    transports.last.deliver({ type: 'published', ref: '1', id: 'e-7' });
    await expect(id).resolves.toBe('e-7');
  });

  it('rejects with the server code on refusal, and does not report it as a client error', async () => {
    const { client, transports, events } = harness();
    transports.last.open();
    const id = client.publish('chat', 'x');
    transports.last.deliver({ type: 'error', ref: '1', channel: 'chat', code: 'forbidden', message: 'no' });
    await expect(id).rejects.toMatchObject({ name: 'PublishError', code: 'forbidden', message: 'forbidden: no' });
    expect(events.some((e) => e.type === 'error')).toBe(false);
    transports.last.deliver({ type: 'error', channel: 'chat', code: 'subscription-ended', message: 'hub closed' });
    expect(events.at(-1)).toEqual({ type: 'error', detail: { code: 'subscription-ended', message: 'hub closed', channel: 'chat' } });
  });

  it('rejects queue-full past maxQueued publishes or maxQueuedBytes characters', async () => {
    const { client } = harness({ maxQueued: 2, maxQueuedBytes: 10 });
    void client.publish('c', '1234').catch(() => {});
    void client.publish('c', '1234').catch(() => {});
    const third = client.publish('c', '1');
    await expect(third).rejects.toBeInstanceOf(PublishError);
    await expect(third).rejects.toMatchObject({ code: 'queue-full' });
    const bytes = harness({ maxQueuedBytes: 10 }).client;
    void bytes.publish('c', '12345678').catch(() => {});
    await expect(bytes.publish('c', '123')).rejects.toMatchObject({ code: 'queue-full' });
  });

  it('rejects connection-lost when the session ends after sending, keeps the unsent one', async () => {
    const { client, transports, clock } = harness({ transports: ['websocket'] });
    transports.last.open();
    const sent = client.publish('chat', 'a');
    transports.last.fail();
    const queued = client.publish('chat', 'b');
    await expect(sent).rejects.toMatchObject({ code: 'connection-lost' });
    clock.advance(1000);
    transports.last.open();
    expect(transports.last.sent).toEqual([{ type: 'publish', channel: 'chat', data: 'b', ref: '2' }]);
    transports.last.deliver({ type: 'published', ref: '2', id: 'e-2' });
    await expect(queued).resolves.toBe('e-2');
  });

  it('close() rejects what waits: connection-lost if sent, closed if not; later publishes too', async () => {
    const { client, transports } = harness();
    transports.last.open();
    const sent = client.publish('chat', 'a');
    transports.last.fail(); // websocket worked: it waits for the backoff
    const queued = client.publish('chat', 'b');
    client.close();
    await expect(sent).rejects.toMatchObject({ code: 'connection-lost' });
    await expect(queued).rejects.toMatchObject({ code: 'closed' });
    await expect(client.publish('chat', 'c')).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('browser client: channels', () => {
  it('delivers to handlers, emits gap and resume, unsubscribes by handle or by name', () => {
    const { client, transports, clock, events } = harness();
    const a: string[] = [];
    const b: string[] = [];
    const handlerB = (event: { type: string }): number => b.push(event.type);
    const sub = client.subscribe('chat', (event) => a.push(event.type));
    client.subscribe('chat', handlerB);
    transports.last.open();
    expect(transports.last.sent).toHaveLength(1);
    transports.last.deliver({ type: 'subscribed', channel: 'chat', headId: 'e-1' });
    transports.last.fail();
    clock.advance(1000);
    transports.last.open();
    transports.last.deliver({ type: 'gap', channel: 'chat', since: 'e-1', reason: 'expired', firstAvailableId: 'e-5' });
    transports.last.deliver({ type: 'subscribed', channel: 'chat', headId: 'e-5' });
    expect(a).toEqual(['subscribed', 'gap', 'subscribed']);
    expect(events.filter((e) => e.type === 'gap' || e.type === 'resume').map((e) => e.type)).toEqual(['gap', 'resume']);
    expect(events.find((e) => e.type === 'resume')?.detail).toEqual({ channel: 'chat', since: 'e-1', lossy: true });
    sub.unsubscribe();
    expect(transports.last.sent.at(-1)?.type).toBe('subscribe');
    client.unsubscribe('chat', handlerB);
    expect(transports.last.sent.at(-1)).toEqual({ type: 'unsubscribe', channel: 'chat' });
  });

  it('a throwing handler is reported and does not stop the others', () => {
    const { client, transports, events } = harness();
    const seen: string[] = [];
    client.subscribe('chat', () => {
      throw new Error('oops');
    });
    client.subscribe('chat', (event) => seen.push(event.type));
    transports.last.open();
    transports.last.deliver({ type: 'subscribed', channel: 'chat', headId: 'e-1' });
    expect(seen).toEqual(['subscribed']);
    expect(events.at(-1)).toMatchObject({ type: 'error', detail: { code: 'handler-threw', channel: 'chat' } });
  });
});
