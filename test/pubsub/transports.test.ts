// One hub, three transports: WebSocket (switchboard.v1), SSE and long polling subscribers
// of one channel see the same messages with the same ids.
import { createServer } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import { LongPollClient, createLongPollHandler } from '../../src/long-polling/index.js';
import { createPubSubServer } from '../../src/pubsub/index.js';
import { EventSource, createSseHandler } from '../../src/sse/index.js';
import { JsonClient } from '../support/pubsub/json-client.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

it('WebSocket, SSE and long-poll subscribers of a channel get identical ids and data', async () => {
  const hub = new MemoryHub({ epoch: 'x' });
  const sse = createSseHandler({ hub });
  const poll = createLongPollHandler({ hub, holdMs: 5000 });
  const pubsub = createPubSubServer({ hub });
  const server = createServer((request, response) => (request.url?.startsWith('/sse') ? sse(request, response) : poll(request, response)));
  server.on('upgrade', (request, socket, head) => pubsub.wss.handleUpgrade(request, socket, head, (c) => pubsub.wss.emit('connection', c, request)));
  const base = await listen(server);
  cleanups.push(() => shut(server), () => pubsub.close(), () => poll.close(), () => hub.close());

  const ws = await JsonClient.connect(base.replace('http', 'ws'));
  cleanups.push(() => ws.close());
  ws.send({ type: 'subscribe', channel: 'room' });

  const fromSse: string[] = [];
  const source = new EventSource(`${base}/sse?channel=room`);
  cleanups.push(() => source.close());
  const record = (event: Event): void => {
    const message = event as MessageEvent;
    fromSse.push(`${message.lastEventId}|${message.type}|${message.data}`);
  };
  source.addEventListener('message', record);
  source.addEventListener('note', record);

  const fromPoll: string[] = [];
  const poller = new LongPollClient(`${base}/poll?channel=room`);
  cleanups.push(() => poller.close());
  poller.onmessage = (event) => fromPoll.push(`${event.lastEventId}|${event.type}|${event.data}`);
  poller.addEventListener('note', (event) => {
    const message = event as MessageEvent;
    fromPoll.push(`${message.lastEventId}|${message.type}|${message.data}`);
  });

  await ws.next((m) => m.type === 'subscribed', 'WebSocket subscribed');
  await waitFor(() => source.readyState === EventSource.OPEN && poll.heldPolls === 1 && hub.subscriberCount('room') >= 2, 'all subscribed');

  const sent = [
    { data: 'first' },
    { data: 'with event', event: 'note' },
    { data: 'multi\nline' },
    { data: '{"json":true}' },
  ];
  const ids: string[] = [];
  for (const message of sent) ids.push(await hub.publish('room', message));
  // And one published by the WebSocket client itself.
  ws.send({ type: 'publish', channel: 'room', data: 'from ws', ref: 'w' });
  const published = await ws.next((m) => m.type === 'published', 'published');
  ids.push(String(published.id));
  const expected = [...sent, { data: 'from ws' }].map((m, i) => `${ids[i]}|${m.event ?? 'message'}|${m.data}`);

  await waitFor(() => ws.ofType('message').length === 5 && fromSse.length === 5 && fromPoll.length === 5, 'all transports delivered');
  const fromWs = ws.ofType('message').map((m) => `${m.id}|${m.event ?? 'message'}|${m.data}`);
  expect(fromWs).toEqual(expected);
  expect(fromSse).toEqual(expected);
  expect(fromPoll).toEqual(expected);
  expect(ids).toEqual(['x-1', 'x-2', 'x-3', 'x-4', 'x-5']);
});
