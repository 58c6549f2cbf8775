// The mount's `trace` option: the sessions it picks are traced on every transport, with
// the label it returns, and the others are not.
import { afterEach, describe, expect, it } from 'vitest';
import { subscribeTrace, type TraceEvent } from '../../src/index.js';
import { waitFor } from '../support/sse/net.js';
import { PollLoop, SseSession, WsSession, isType, post, startMount, type Mounted } from '../support/mount/mount-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A mount tracing the requests that carry `x-viewer`, labelled with its value. */
async function setup(): Promise<Mounted> {
  const mounted = await startMount({ heartbeatInterval: 60_000, trace: (request) => (request.headers['x-viewer'] as string | undefined) ?? false });
  cleanups.push(() => mounted.stop());
  return mounted;
}

function follow(label: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  cleanups.push(subscribeTrace({ label }, (event) => events.push(event)));
  return events;
}

describe("the mount's trace option", () => {
  it('traces a WebSocket session: the handshake heads and every frame both ways, labelled', async () => {
    const { origin } = await setup();
    const events = follow('viewer-ws');
    const session = await WsSession.open(origin, '/switchboard/ws', { 'x-viewer': 'viewer-ws' });
    cleanups.push(() => void session.close());
    await session.next(isType('ping'), 'ping');
    session.send({ type: 'subscribe', channel: 'room' });
    await session.next(isType('subscribed'), 'subscribed');
    await waitFor(() => events.some((e) => e.type === 'frame' && e.from === 'server' && e.frame.text?.includes('"subscribed"') === true), 'the subscribed frame in the trace');
    const heads = events.filter((e) => e.type === 'http-head');
    expect(heads.map((e) => (e.type === 'http-head' ? `${e.from} ${e.text.split('\r\n')[0]}` : ''))).toEqual(['client GET /switchboard/ws HTTP/1.1', 'server HTTP/1.1 101 Switching Protocols']);
    const client = events.find((e) => e.type === 'frame' && e.from === 'client');
    expect(client?.type === 'frame' && client.frame.masked && client.frame.text).toBe('{"type":"subscribe","channel":"room"}');
    expect(events.every((e) => e.label === 'viewer-ws' && e.transport === 'websocket')).toBe(true);
  });

  it('traces an SSE stream and its POSTs as text; a poll session as long polling; untraced requests leave nothing', async () => {
    const { base } = await setup();
    const sseEvents = follow('viewer-sse');
    const sse = await SseSession.open(base, { 'x-viewer': 'viewer-sse' });
    cleanups.push(() => sse.close());
    // POSTs are traced when the POST itself carries the header (a page's cookies would).
    const answer = await fetch(`${base}/session/${sse.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-viewer': 'viewer-sse' }, body: '[{"type":"subscribe","channel":"room"}]' });
    expect(answer.status).toBe(204);
    await waitFor(() => sseEvents.some((e) => e.type === 'body' && e.from === 'server' && e.text.includes('"subscribed"')), 'the subscribed event in the trace');
    expect(sseEvents.some((e) => e.type === 'body' && e.from === 'server' && e.text.startsWith('event: session'))).toBe(true);
    expect(sseEvents.some((e) => e.type === 'body' && e.from === 'client' && e.text === '[{"type":"subscribe","channel":"room"}]')).toBe(true);
    expect(new Set(sseEvents.map((e) => e.transport))).toEqual(new Set(['sse']));

    const pollEvents = follow('viewer-poll');
    const loop = await PollLoop.open(base, { 'x-viewer': 'viewer-poll' });
    cleanups.push(() => loop.stop());
    await waitFor(() => pollEvents.some((e) => e.type === 'body' && e.from === 'server' && e.text.includes('"session"')), 'the opening poll in the trace');
    expect(pollEvents.every((e) => e.transport === 'long-polling')).toBe(true);

    const untraced = follow('nobody');
    const quiet = await SseSession.open(base);
    cleanups.push(() => quiet.close());
    await post(base, quiet.id, [{ type: 'subscribe', channel: 'room' }]);
    await quiet.next(isType('subscribed'), 'subscribed');
    expect(untraced).toEqual([]);
  });
});
