import { describe, expect, it } from 'vitest';
import { ClientChannels, type ChannelEvent, type ClientChannelEffect } from '../../../src/protocol/pubsub/client-channels.js';
import type { GapMessage } from '../../../src/protocol/pubsub/index.js';

const noop = (): void => {};
const gap = (channel: string, since: string): GapMessage => ({ type: 'gap', channel, since, reason: 'expired', firstAvailableId: 'e-5' });

/** Runs the effects as a client does, recording what each handler got. */
function run(channels: ClientChannels, effects: readonly ClientChannelEffect[]): Array<ClientChannelEffect | { readonly handled: ChannelEvent }> {
  const seen: Array<ClientChannelEffect | { readonly handled: ChannelEvent }> = [];
  for (const effect of effects) {
    if (effect.type !== 'deliver') seen.push(effect);
    else for (const handler of channels.handlersOf(effect.channel)) handler(effect.event);
  }
  return seen;
}

describe('ClientChannels: adding and removing handlers', () => {
  it('asks for one server subscription per channel, from `since` when given', () => {
    const channels = new ClientChannels();
    const first = channels.add('a', noop, 'e-3');
    expect(first.subscribe).toEqual({ type: 'subscribe', channel: 'a', since: 'e-3' });
    expect(first.position).toMatchObject({ channel: 'a', lastId: 'e-3' });
    const other = (): void => {};
    // A second handler shares the subscription; its `since` is ignored.
    const second = channels.add('a', other, 'e-9');
    expect(second.subscribe).toBeUndefined();
    expect(second.position.lastId).toBe('e-3');
    expect(channels.add('b', noop).subscribe).toEqual({ type: 'subscribe', channel: 'b', since: undefined });
    expect(channels.size).toBe(2);
    expect(channels.handlersOf('a')).toEqual([noop, other]);
  });

  it('asks to unsubscribe when the last handler of a channel goes, once', () => {
    const channels = new ClientChannels();
    const other = (): void => {};
    const { position } = channels.add('a', noop);
    channels.add('a', other);
    expect(channels.remove(position, noop)).toBeUndefined();
    expect(channels.remove(position, noop)).toBeUndefined();
    expect(channels.remove(position, other)).toEqual({ type: 'unsubscribe', channel: 'a' });
    expect(channels.size).toBe(0);
    expect(channels.remove(position, other)).toBeUndefined();
  });

  it('a position whose channel was left and subscribed anew is spent', () => {
    const channels = new ClientChannels();
    const old = channels.add('a', noop).position;
    channels.remove(old, noop);
    const fresh = channels.add('a', noop);
    expect(fresh.subscribe).toBeDefined();
    expect(channels.remove(old, noop)).toBeUndefined();
    expect(channels.handlersOf('a')).toEqual([noop]);
    expect(channels.remove(fresh.position, noop)).toEqual({ type: 'unsubscribe', channel: 'a' });
  });

  it('hands out a copy of the handlers, so one may unsubscribe while they are called', () => {
    const channels = new ClientChannels();
    const { position } = channels.add('a', noop);
    const handlers = channels.handlersOf('a');
    channels.remove(position, noop);
    expect(handlers).toEqual([noop]);
    expect(channels.handlersOf('a')).toEqual([]);
  });
});

describe('ClientChannels: routing server messages', () => {
  it('delivers a channel message to its handlers and remembers its id', () => {
    const channels = new ClientChannels();
    const got: ChannelEvent[] = [];
    const { position } = channels.add('a', (event) => got.push(event));
    const message = { type: 'message', channel: 'a', id: 'e-1', data: 'x' } as const;
    expect(channels.receive(message)).toEqual([{ type: 'deliver', channel: 'a', event: message }]);
    run(channels, channels.receive({ ...message, id: 'e-2' }));
    expect(got).toEqual([{ ...message, id: 'e-2' }]);
    expect(position.lastId).toBe('e-2');
  });

  it('ignores messages, gaps and markers of channels it does not hold, `unsubscribed` and the heartbeat', () => {
    const channels = new ClientChannels();
    expect(channels.receive({ type: 'ping', interval: 25000 })).toEqual([]);
    expect(channels.receive({ type: 'restart', retry: 1000 })).toEqual([]);
    expect(channels.receive({ type: 'message', channel: 'z', id: 'e-1', data: '' })).toEqual([]);
    expect(channels.receive(gap('z', 'e-1'))).toEqual([]);
    expect(channels.receive({ type: 'subscribed', channel: 'z', headId: 'e-1' })).toEqual([]);
    expect(channels.receive({ type: 'unsubscribed', channel: 'z' })).toEqual([]);
  });

  it('takes the head of `subscribed` as the position: everything up to it was delivered', () => {
    const channels = new ClientChannels();
    const { position } = channels.add('a', noop);
    channels.connected();
    const marker = { type: 'subscribed', channel: 'a', headId: 'e-7' } as const;
    // The first connection is not a resumption: no 'resume'.
    expect(channels.receive(marker)).toEqual([{ type: 'deliver', channel: 'a', event: marker }]);
    expect(position.lastId).toBe('e-7');
  });

  it('turns `published` into an acknowledgement and an `error` with a ref into a refusal, after reporting it', () => {
    const channels = new ClientChannels();
    channels.add('a', noop);
    expect(channels.receive({ type: 'published', ref: '1', id: 'e-4' })).toEqual([{ type: 'published', ref: '1', id: 'e-4' }]);
    const refused = { type: 'error', ref: '2', channel: 'a', code: 'forbidden', message: 'no' } as const;
    expect(channels.receive(refused)).toEqual([
      { type: 'server-error', error: refused },
      { type: 'publish-refused', ref: '2', code: 'forbidden', message: 'no' },
    ]);
  });

  it('reports an `error` on a channel, then hands it to the channel (looked up then, not before)', () => {
    const channels = new ClientChannels();
    const ended = { type: 'error', channel: 'a', code: 'subscription-ended', message: 'hub closed' } as const;
    const effects = channels.receive(ended);
    expect(effects).toEqual([
      { type: 'server-error', error: ended },
      { type: 'deliver', channel: 'a', event: ended },
    ]);
    // Subscribed by a 'servererror' listener, before the delivery's turn: it gets the error.
    const got: ChannelEvent[] = [];
    channels.add('a', (event) => got.push(event));
    run(channels, effects);
    expect(got).toEqual([ended]);
    const general = { type: 'error', code: 'bad-request', message: 'what?' } as const;
    expect(channels.receive(general)).toEqual([{ type: 'server-error', error: general }]);
  });
});

describe('ClientChannels: reconnecting', () => {
  it('subscribes every channel again from its last id, and says when each is live again', () => {
    const channels = new ClientChannels();
    channels.add('a', noop);
    channels.add('b', noop, 'e-2');
    channels.add('c', noop);
    expect(channels.connected()).toEqual([
      { type: 'subscribe', channel: 'a', since: undefined },
      { type: 'subscribe', channel: 'b', since: 'e-2' },
      { type: 'subscribe', channel: 'c', since: undefined },
    ]);
    channels.receive({ type: 'subscribed', channel: 'a', headId: 'e-5' });
    channels.receive({ type: 'message', channel: 'b', id: 'e-3', data: '' });
    // Connection lost before c's `subscribed`: c has no position, so it starts live.
    expect(channels.connected()).toEqual([
      { type: 'subscribe', channel: 'a', since: 'e-5' },
      { type: 'subscribe', channel: 'b', since: 'e-3' },
      { type: 'subscribe', channel: 'c', since: undefined },
    ]);
    const marker = { type: 'subscribed', channel: 'a', headId: 'e-6' } as const;
    expect(channels.receive(marker)).toEqual([
      { type: 'deliver', channel: 'a', event: marker },
      { type: 'resume', channel: 'a', since: 'e-5', lossy: false, gap: undefined },
    ]);
    // Only once per resumption.
    expect(channels.receive(marker)).toEqual([{ type: 'deliver', channel: 'a', event: marker }]);
    expect(channels.receive({ type: 'subscribed', channel: 'c', headId: 'e-1' })).toHaveLength(1);
  });

  it('calls a resumption lossy when a gap came before its `subscribed`', () => {
    const channels = new ClientChannels();
    const { position } = channels.add('a', noop, 'e-1');
    channels.connected();
    channels.connected();
    const lost = gap('a', 'e-1');
    expect(channels.receive(lost)).toEqual([{ type: 'deliver', channel: 'a', event: lost }]);
    expect(position.lastId).toBe('e-1');
    channels.receive({ type: 'message', channel: 'a', id: 'e-5', data: '' });
    expect(channels.receive({ type: 'subscribed', channel: 'a', headId: 'e-5' })[1]).toEqual({ type: 'resume', channel: 'a', since: 'e-1', lossy: true, gap: lost });
  });

  it('forgets a gap of a connection that was lost before its `subscribed`', () => {
    const channels = new ClientChannels();
    channels.add('a', noop, 'e-1');
    channels.connected();
    channels.receive(gap('a', 'e-1'));
    channels.connected();
    expect(channels.receive({ type: 'subscribed', channel: 'a', headId: 'e-4' })[1]).toEqual({ type: 'resume', channel: 'a', since: 'e-1', lossy: false, gap: undefined });
  });
});
