// The long-polling transport of the mount: `GET <prefix>/poll[?session=<id>]`.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/sse/net.js';
import { PollLoop, isType, poll, post, startMount, type Mounted } from '../support/mount/mount-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(options: Parameters<typeof startMount>[0] = {}): Promise<Mounted> {
  const mounted = await startMount(options);
  cleanups.push(() => mounted.stop());
  return mounted;
}

describe('long-poll sessions', () => {
  it('opens with the id, the interval and a ping, answered at once', async () => {
    const { base, switchboard } = await setup({ heartbeatInterval: 60_000 });
    const response = await fetch(`${base}/poll`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { session: string };
    expect(body).toEqual({ session: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), interval: 60_000, messages: [{ type: 'ping', interval: 60_000 }] });
    expect(Object.keys(body)).toEqual(['session', 'interval', 'messages']);
    expect(switchboard.sessionCount).toBe(1);
  });

  it('delivers replies in request order and channel messages; a held poll is answered by the heartbeat', async () => {
    const { base, hub } = await setup({ heartbeatInterval: 100 });
    const loop = await PollLoop.open(base);
    cleanups.push(() => loop.stop());
    expect(
      (
        await post(base, loop.id, [
          { type: 'subscribe', channel: 'news' },
          { type: 'publish', channel: 'news', data: 'hello', ref: 'r1' },
          { type: 'subscribe', channel: 'news' },
        ])
      ).status,
    ).toBe(204);
    await loop.next(isType('error'), 'the already-subscribed error');
    await hub.publish('news', { data: 'second' });
    await waitFor(() => loop.ofType('message').length === 2, 'both messages');
    expect(loop.messages.filter((m) => m.type !== 'ping' && m.type !== 'message')).toEqual([
      { type: 'subscribed', channel: 'news', headId: 'e1-0' },
      { type: 'published', ref: 'r1', id: 'e1-1' },
      { type: 'error', channel: 'news', code: 'already-subscribed', message: 'already subscribed to this channel' },
    ]);
    expect(loop.ofType('message').map((m) => m.data)).toEqual(['hello', 'second']);
    // Quiet from here: only the heartbeat answers polls.
    const pings = loop.ofType('ping').length;
    await waitFor(() => loop.ofType('ping').length >= pings + 2, 'pings while idle');
    expect(loop.statuses.every((status) => status === 200)).toBe(true);
  });

  it('answers a held poll at once when a second one comes, keeping the queue for the second', async () => {
    const { base, hub, requests } = await setup({ heartbeatInterval: 60_000 });
    const open = await poll(base);
    const id = open.body.session as string;
    await post(base, id, [{ type: 'subscribe', channel: 'c' }]);
    // The subscribed reply is queued; take it.
    expect((await poll(base, id)).body.messages).toEqual([{ type: 'subscribed', channel: 'c', headId: 'e1-0' }]);
    const before = requests();
    const first = poll(base, id);
    await waitFor(() => requests() === before + 1, 'the first poll held');
    const second = poll(base, id);
    expect(await first).toEqual({ status: 200, body: { messages: [] } });
    await hub.publish('c', { data: 'm1' });
    expect(await second).toEqual({ status: 200, body: { messages: [{ type: 'message', channel: 'c', id: 'e1-1', data: 'm1' }] } });
  });

  it('resumes with since on a new session', async () => {
    const { base, hub } = await setup({ heartbeatInterval: 60_000 });
    const a = (await poll(base)).body.session as string;
    await post(base, a, [{ type: 'subscribe', channel: 'c' }]);
    await hub.publish('c', { data: 'm1' });
    await hub.publish('c', { data: 'm2' });
    const got = (await poll(base, a)).body.messages!;
    expect(got.map((m) => m.type)).toEqual(['subscribed', 'message', 'message']);
    const b = (await poll(base)).body.session as string;
    await post(base, b, [{ type: 'subscribe', channel: 'c', since: 'e1-1' }]);
    expect((await poll(base, b)).body.messages).toEqual([
      { type: 'message', channel: 'c', id: 'e1-2', data: 'm2' },
      { type: 'subscribed', channel: 'c', headId: 'e1-2' },
    ]);
  });

  it('answers 404 for an unknown session, on a poll and on a POST', async () => {
    const { base } = await setup();
    expect(await poll(base, 'nope')).toEqual({ status: 404, body: { error: 'unknown session' } });
    expect(await post(base, 'nope', [])).toEqual({ status: 404, text: '{"error":"unknown session"}' });
  });

  it('ends a session with no poll within sessionTimeout; its next poll gets 404', async () => {
    const { base, hub, switchboard } = await setup({ sessionTimeout: 50, heartbeatInterval: 60_000 });
    const id = (await poll(base)).body.session as string;
    await post(base, id, [{ type: 'subscribe', channel: 'c' }]);
    await waitFor(() => switchboard.sessionCount === 0, 'the session timed out');
    expect(hub.subscriberCount('c')).toBe(0);
    expect((await poll(base, id)).status).toBe(404);
  });

  it('ends a session whose queue outgrows maxQueuedBytes; its next poll gets 404', async () => {
    const { base, hub, switchboard } = await setup({ maxQueuedBytes: 64 * 1024, heartbeatInterval: 60_000 });
    const id = (await poll(base)).body.session as string;
    await post(base, id, [{ type: 'subscribe', channel: 'flood' }]);
    const data = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 5; i++) await hub.publish('flood', { data });
    expect(switchboard.sessionCount).toBe(0);
    expect(hub.subscriberCount('flood')).toBe(0);
    expect(await poll(base, id)).toEqual({ status: 404, body: { error: 'unknown session' } });
  });

  it('calls authorize with the request of the first poll', async () => {
    const seen: (string | undefined)[] = [];
    const { base } = await setup({
      heartbeatInterval: 60_000,
      authorize: (request, _channel, action) => {
        seen.push(request.headers.cookie);
        return action === 'subscribe';
      },
    });
    const id = (await poll(base, undefined, { cookie: 'sid=1' })).body.session as string;
    await post(base, id, [
      { type: 'publish', channel: 'c', data: 'x', ref: 'p' },
      { type: 'subscribe', channel: 'c' },
    ]);
    expect((await poll(base, id)).body.messages).toEqual([
      { type: 'error', ref: 'p', channel: 'c', code: 'forbidden', message: 'not allowed to publish to this channel' },
      { type: 'subscribed', channel: 'c', headId: 'e1-0' },
    ]);
    expect(seen).toEqual(['sid=1', 'sid=1']);
  });
});
