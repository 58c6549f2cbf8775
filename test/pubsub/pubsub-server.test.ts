import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WsClient from 'ws';
import { MemoryHub } from '../../src/hub/index.js';
import { HUB_STREAM_MAX_BUFFERED_AMOUNT } from '../../src/protocol/hub/contract.js';
import { attachPubSub, createPubSubServer } from '../../src/pubsub/index.js';
import { WebSocketServer, type WebSocketConnection } from '../../src/websocket/index.js';
import { JsonClient, startPubSub, type Json } from '../support/pubsub/json-client.js';
import { waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(options: Partial<Parameters<typeof startPubSub>[0]> = {}) {
  const hub = (options.hub as MemoryHub | undefined) ?? new MemoryHub({ epoch: 'e1' });
  const started = await startPubSub({ ...options, hub });
  cleanups.push(() => hub.close(), () => started.pubsub.close());
  return { hub, ...started };
}

async function connect(url: string, protocol?: string | string[]): Promise<JsonClient> {
  const client = await JsonClient.connect(url, protocol);
  cleanups.push(() => client.close());
  return client;
}

const isType = (type: string, channel?: string) => (m: Json) => m.type === type && (channel === undefined || m.channel === channel);

describe('switchboard.v1 server: requests and replies', () => {
  it('subscribes, publishes with a ref, delivers with ids, unsubscribes', async () => {
    const { hub, url } = await setup();
    await hub.publish('news', { data: 'before' });
    const client = await connect(url);
    expect(client.ws.protocol).toBe('switchboard.v1');
    client.send({ type: 'subscribe', channel: 'news' });
    expect(await client.next(isType('subscribed'), 'subscribed')).toEqual({ type: 'subscribed', channel: 'news', headId: 'e1-1' });
    client.send({ type: 'publish', channel: 'news', data: 'hello', event: 'greeting', ref: 'r1' });
    expect(await client.next(isType('published'), 'published')).toEqual({ type: 'published', ref: 'r1', id: 'e1-2' });
    expect(await client.next(isType('message'), 'message')).toEqual({ type: 'message', channel: 'news', id: 'e1-2', data: 'hello', event: 'greeting' });
    client.send({ type: 'unsubscribe', channel: 'news' });
    await client.next(isType('unsubscribed'), 'unsubscribed');
    await waitFor(() => hub.subscriberCount('news') === 0, 'hub subscription released');
    await hub.publish('news', { data: 'after' });
    // A publish without a ref is not acknowledged; an error would still be.
    client.send({ type: 'publish', channel: 'other', data: 'x' });
    client.send({ type: 'subscribe', channel: 'news' });
    await waitFor(() => client.ofType('subscribed').length === 2, 'second subscribed');
    expect(client.ofType('message').map((m) => m.data)).toEqual(['hello']);
    expect(client.ofType('published')).toHaveLength(1);
  });

  it('replays after `since`, then goes live, and reports a gap for another epoch', async () => {
    const { hub, url } = await setup();
    for (let i = 1; i <= 4; i++) await hub.publish('c', { data: `m${i}` });
    const client = await connect(url);
    client.send({ type: 'subscribe', channel: 'c', since: 'e1-2' });
    await client.next(isType('subscribed'), 'subscribed');
    await hub.publish('c', { data: 'm5' });
    await waitFor(() => client.ofType('message').length === 3, 'replay and live');
    expect(client.received.map((m) => `${m.type}:${m.id ?? m.headId}`)).toEqual(['message:e1-3', 'message:e1-4', 'subscribed:e1-4', 'message:e1-5']);

    const other = await connect(url);
    other.send({ type: 'subscribe', channel: 'c', since: 'old-9' });
    await other.next(isType('subscribed'), 'subscribed');
    expect(other.received[0]).toEqual({ type: 'gap', channel: 'c', since: 'old-9', reason: 'epoch-changed', firstAvailableId: 'e1-1' });
    expect(other.ofType('message').map((m) => m.id)).toEqual(['e1-1', 'e1-2', 'e1-3', 'e1-4', 'e1-5']);
  });

  it('answers bad requests with errors that carry the ref and channel it could read', async () => {
    const { url } = await setup({ maxSubscriptions: 2, hub: new MemoryHub({ epoch: 'e1', maxDataLength: 10 }) });
    const client = await connect(url);
    client.send({ type: 'publish', channel: 'c', data: 42, ref: 'bad' });
    client.ws.send('not json');
    client.send({ type: 'dance' });
    client.send({ type: 'unsubscribe', channel: 'never' });
    client.send({ type: 'subscribe', channel: 'a' });
    client.send({ type: 'subscribe', channel: 'a' });
    client.send({ type: 'subscribe', channel: 'b' });
    client.send({ type: 'subscribe', channel: 'c' });
    client.send({ type: 'publish', channel: 'a', data: 'far too long for this hub', ref: 'big' });
    client.send({ type: 'publish', channel: 'a', data: 'x', event: 'two\nlines', ref: 'nl' });
    await waitFor(() => client.ofType('error').length === 8, 'eight errors');
    const errors = client.ofType('error').map(({ code, ref, channel }) => ({ code, ref, channel }));
    expect(errors).toEqual([
      { code: 'bad-request', ref: 'bad', channel: 'c' },
      { code: 'bad-request', ref: undefined, channel: undefined },
      { code: 'bad-request', ref: undefined, channel: undefined },
      { code: 'not-subscribed', ref: undefined, channel: 'never' },
      { code: 'already-subscribed', ref: undefined, channel: 'a' },
      { code: 'too-many-subscriptions', ref: undefined, channel: 'c' },
      { code: 'publish-failed', ref: 'big', channel: 'a' },
      { code: 'bad-request', ref: 'nl', channel: 'a' },
    ]);
    expect(client.ofType('error').every((e) => typeof e.message === 'string' && (e.message as string).length > 0)).toBe(true);
    expect(client.closed).toBeUndefined();
  });

  it('asks `authorize` for each subscribe and publish, and refuses with forbidden', async () => {
    const asked: string[] = [];
    const { url, hub } = await setup({
      authorize: async (request, channel, action) => {
        asked.push(`${action}:${channel}:${request.headers['sec-websocket-protocol']}`);
        if (channel === 'boom') throw new Error('authorizer down');
        return !channel.startsWith('private');
      },
      onError: (error) => asked.push(`error:${error.message}`),
    });
    const client = await connect(url);
    client.send({ type: 'subscribe', channel: 'private-1' });
    client.send({ type: 'publish', channel: 'private-1', data: 'x', ref: 'p' });
    client.send({ type: 'subscribe', channel: 'boom' });
    client.send({ type: 'subscribe', channel: 'public' });
    await client.next(isType('subscribed', 'public'), 'public subscribed');
    expect(client.ofType('error').map((e) => `${e.code}:${e.channel}:${e.ref}`)).toEqual([
      'forbidden:private-1:undefined',
      'forbidden:private-1:p',
      'forbidden:boom:undefined',
    ]);
    expect(asked).toEqual([
      'subscribe:private-1:switchboard.v1',
      'publish:private-1:switchboard.v1',
      'subscribe:boom:switchboard.v1',
      'error:authorizer down',
      'subscribe:public:switchboard.v1',
    ]);
    expect(hub.subscriberCount('private-1')).toBe(0);
  });

  it('handles requests in order, pausing reading while too many wait for a slow authorize', async () => {
    const gates: (() => void)[] = [];
    const { url, pubsub, hub } = await setup({
      maxPendingRequests: 2,
      authorize: () => new Promise<boolean>((resolve) => gates.push(() => resolve(true))),
    });
    const client = await connect(url);
    for (let i = 1; i <= 4; i++) client.send({ type: 'publish', channel: 'c', data: `m${i}`, ref: `r${i}` });
    await waitFor(() => gates.length === 1, 'first authorize call');
    const [connection] = pubsub.wss.clients;
    await waitFor(() => connection.readingPaused, 'reading paused');
    while (client.ofType('published').length < 4) {
      gates.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(client.ofType('published').map((m) => `${m.ref}:${m.id}`)).toEqual(['r1:e1-1', 'r2:e1-2', 'r3:e1-3', 'r4:e1-4']);
    expect(connection.readingPaused).toBe(false);
    const seen: string[] = [];
    await hub.subscribe('c', (event) => event.type === 'message' && seen.push(event.message.data), { since: 'e1-0' });
    expect(seen).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('closes with 1003 on a binary frame and with 1008 after too many invalid messages', async () => {
    const { url } = await setup({ maxInvalidMessages: 2 });
    const binary = await connect(url);
    binary.ws.send(Buffer.from('{"type":"subscribe","channel":"c"}'));
    expect((await binary.waitClosed()).code).toBe(1003);

    const abuser = await connect(url);
    // One at a time, so that each reply is in before the next message: the two tolerated
    // ones are answered with an error, the third closes the connection.
    for (let i = 1; i <= 2; i++) {
      abuser.ws.send('{');
      await waitFor(() => abuser.ofType('error').length === i, `error reply ${i}`);
    }
    abuser.ws.send('{');
    expect(await abuser.waitClosed()).toEqual({ code: 1008, reason: 'Too many invalid messages' });
    expect(abuser.ofType('error').map((m) => m.code)).toEqual(['bad-request', 'bad-request']);
  });

  it('refuses frames over maxMessageBytes: 1009 on a created server, an error reply on an attached one', async () => {
    const { url } = await setup({ maxMessageBytes: 100 });
    const client = await connect(url);
    client.send({ type: 'publish', channel: 'c', data: 'x'.repeat(200) });
    expect((await client.waitClosed()).code).toBe(1009);

    const hub = new MemoryHub();
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const pubsub = attachPubSub(wss, { hub, maxMessageBytes: 100 });
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())), () => pubsub.close(), () => hub.close());
    const attached = await connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    attached.send({ type: 'publish', channel: 'c', data: 'x'.repeat(200), ref: 'r' });
    const error = await attached.next(isType('error'), 'error');
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(/larger than 100 bytes/);
  });

  it('closes connections without the subprotocol on a created server, leaves them alone on an attached one', async () => {
    const { url } = await setup();
    const plain = await connect(url, []);
    expect((await plain.waitClosed()).code).toBe(1002);

    const hub = new MemoryHub();
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const pubsub = attachPubSub(wss, { hub });
    wss.on('connection', (connection: WebSocketConnection) => {
      if (connection.protocol === '') connection.on('message', (data: Buffer) => connection.send(`echo:${data.toString()}`));
    });
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())), () => pubsub.close(), () => hub.close());
    const echo = new WsClient(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    cleanups.push(() => echo.terminate());
    await once(echo, 'open');
    echo.send('hi');
    const [reply] = (await once(echo, 'message')) as [Buffer];
    expect(reply.toString()).toBe('echo:hi');
    expect(pubsub.sessionCount).toBe(0);
  });

  it('ends subscriptions with subscription-ended when the hub closes', async () => {
    const { hub, url } = await setup();
    const client = await connect(url);
    client.send({ type: 'subscribe', channel: 'c' });
    await client.next(isType('subscribed'), 'subscribed');
    await hub.close();
    expect(await client.next(isType('error'), 'error')).toMatchObject({ code: 'subscription-ended', channel: 'c' });
    client.send({ type: 'subscribe', channel: 'c' });
    await waitFor(() => client.ofType('error').length === 2, 'second error');
    expect(client.ofType('error')[1]).toMatchObject({ code: 'subscribe-failed', channel: 'c' });
  });

  it('validates its options', () => {
    const hub = new MemoryHub();
    const wss = new WebSocketServer({ noServer: true });
    expect(() => attachPubSub(wss, { hub, maxSubscriptions: 0 })).toThrow(RangeError);
    expect(() => attachPubSub(wss, { hub, limits: { maxChannelLength: -1 } })).toThrow(RangeError);
    expect(() => attachPubSub(wss, {} as never)).toThrow(TypeError);
    const created = createPubSubServer({ hub });
    expect(created.wss.options.noServer).toBe(true);
    return created.close();
  });

  it('a created server buffers at most maxBufferedAmount for a subscriber (8 MiB, as SSE), then drops to close with 1013', async () => {
    const hub = new MemoryHub();
    const servers = [
      createPubSubServer({ hub }),
      createPubSubServer({ hub, maxBufferedAmount: 1000 }),
      createPubSubServer({ hub, server: { noServer: true, maxBufferedAmount: 2000 } }),
      createPubSubServer({ hub, maxBufferedAmount: 3000, server: { noServer: true, maxBufferedAmount: 2000 } }),
    ];
    expect(servers.map(({ wss }) => [wss.options.maxBufferedAmount, wss.options.onBufferLimit])).toEqual([
      [HUB_STREAM_MAX_BUFFERED_AMOUNT, 'drop'],
      [1000, 'drop'],
      [2000, 'drop'],
      [3000, 'drop'],
    ]);
    expect(HUB_STREAM_MAX_BUFFERED_AMOUNT).toBe(8 * 1024 * 1024);
    expect(() => createPubSubServer({ hub, maxBufferedAmount: 0 })).toThrow('maxBufferedAmount must be a positive integer, got 0');
    await Promise.all(servers.map((server) => server.close()));
  });

  it('works on an http.Server through createPubSubServer({ server: { server } }) and handleUpgrade', async () => {
    const hub = new MemoryHub({ epoch: 'h' });
    const http = createServer();
    const pubsub = createPubSubServer({ hub });
    http.on('upgrade', (request, socket, head) => pubsub.wss.handleUpgrade(request, socket, head, (c) => pubsub.wss.emit('connection', c, request)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())), () => pubsub.close(), () => hub.close());
    const client = await connect(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    client.send({ type: 'subscribe', channel: 'c' });
    await client.next(isType('subscribed'), 'subscribed');
    await hub.publish('c', { data: 'via upgrade' });
    expect(await client.next(isType('message'), 'message')).toMatchObject({ id: 'h-1', data: 'via upgrade' });
  });
});
