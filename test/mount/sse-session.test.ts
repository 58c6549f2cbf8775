// The SSE transport of the mount: `GET <prefix>/sse`, commands by `POST <prefix>/session/<id>`.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/sse/net.js';
import { SseSession, isType, post, startMount, type Mounted } from '../support/mount/mount-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(options: Parameters<typeof startMount>[0] = {}): Promise<Mounted> {
  const mounted = await startMount(options);
  cleanups.push(() => mounted.stop());
  return mounted;
}

async function open(base: string, headers = {}): Promise<SseSession> {
  const session = await SseSession.open(base, headers);
  cleanups.push(() => session.close());
  return session;
}

describe('SSE sessions', () => {
  it('answers with the stream headers, a session event first, then a ping, with no id fields', async () => {
    const { base, switchboard } = await setup({ heartbeatInterval: 60_000 });
    const session = await open(base);
    const { headers, statusCode } = session.reader.response;
    expect(statusCode).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache, no-transform');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(session.interval).toBe(60_000);
    await session.next(isType('ping'), 'first ping');
    const events = session.reader.items.filter((item) => item.type === 'event');
    expect(events[0]).toMatchObject({ event: 'session' });
    expect(events[1]).toEqual({ type: 'event', event: 'message', data: '{"type":"ping","interval":60000}', lastEventId: '' });
    expect(session.reader.text).not.toMatch(/^id:/m);
    expect(switchboard.sessionCount).toBe(1);
  });

  it('subscribes by POST and delivers replies and messages in request order; pings repeat', async () => {
    const { base, hub } = await setup({ heartbeatInterval: 50 });
    await hub.publish('news', { data: 'old' });
    const session = await open(base);
    const answer = await post(base, session.id, [
      { type: 'subscribe', channel: 'news' },
      { type: 'publish', channel: 'news', data: 'hello', ref: 'r1' },
      { type: 'unknown' },
      { type: 'publish', channel: 'other', data: 'x', ref: 'r2' },
    ]);
    expect(answer.status).toBe(204);
    await session.next(isType('message', 'news'), 'the message');
    await waitFor(() => session.ofType('published').length === 2, 'both published');
    const replies = session.messages.filter((m) => m.type !== 'ping' && m.type !== 'message');
    expect(replies).toEqual([
      { type: 'subscribed', channel: 'news', headId: 'e1-1' },
      { type: 'published', ref: 'r1', id: 'e1-2' },
      { type: 'error', code: 'bad-request', message: 'unknown message type "unknown"' },
      { type: 'published', ref: 'r2', id: 'e1-1' },
    ]);
    expect(session.ofType('message')).toEqual([{ type: 'message', channel: 'news', id: 'e1-2', data: 'hello' }]);
    await waitFor(() => session.ofType('ping').length >= 3, 'repeated pings');
    expect(session.messages[0]).toEqual({ type: 'ping', interval: 50 });
  });

  it('resumes with since on a new session after the stream broke', async () => {
    const { base, hub } = await setup();
    const first = await open(base);
    expect((await post(base, first.id, [{ type: 'subscribe', channel: 'c' }])).status).toBe(204);
    await first.next(isType('subscribed'), 'subscribed');
    await hub.publish('c', { data: 'm1' });
    await first.next(isType('message'), 'm1');
    first.close();
    await hub.publish('c', { data: 'm2' });
    await hub.publish('c', { data: 'm3' });
    // The old session is gone once its stream is.
    await waitFor(() => hub.subscriberCount('c') === 0, 'released');
    expect((await post(base, first.id, [])).status).toBe(404);

    const second = await open(base);
    await post(base, second.id, [{ type: 'subscribe', channel: 'c', since: 'e1-1' }]);
    await second.next(isType('subscribed'), 'subscribed');
    expect(second.ofType('message').map((m) => m.data)).toEqual(['m2', 'm3']);
  });

  it('calls authorize with the request that opened the stream', async () => {
    const seen: (string | undefined)[] = [];
    const { base } = await setup({
      authorize: (request, channel) => {
        seen.push(request.headers['x-user'] as string | undefined);
        return channel !== 'secret';
      },
    });
    const session = await open(base, { 'x-user': 'ada' });
    await post(base, session.id, [
      { type: 'subscribe', channel: 'secret' },
      { type: 'subscribe', channel: 'public' },
    ]);
    await session.next(isType('subscribed'), 'subscribed');
    expect(session.messages.filter((m) => m.type !== 'ping')).toEqual([
      { type: 'error', channel: 'secret', code: 'forbidden', message: 'not allowed to subscribe to this channel' },
      { type: 'subscribed', channel: 'public', headId: 'e1-0' },
    ]);
    expect(seen).toEqual(['ada', 'ada']);
  });

  it('ends a stream that does not read past maxQueuedBytes', async () => {
    const { base, hub, switchboard } = await setup({ maxQueuedBytes: 64 * 1024 });
    const session = await open(base);
    await post(base, session.id, [{ type: 'subscribe', channel: 'flood' }]);
    await session.next(isType('subscribed'), 'subscribed');
    session.reader.response.pause();
    const data = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 400 && switchboard.sessionCount > 0; i++) await hub.publish('flood', { data });
    await waitFor(() => switchboard.sessionCount === 0, 'the session ended');
    expect(hub.subscriberCount('flood')).toBe(0);
    expect((await post(base, session.id, [])).status).toBe(404);
  });
});
