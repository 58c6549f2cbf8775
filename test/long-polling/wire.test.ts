import { describe, expect, it } from 'vitest';
import { isLongPollPost, isLongPollResponse } from '../../src/long-polling/index.js';

describe('long-poll wire validators', () => {
  it('accept well-formed answers', () => {
    expect(isLongPollResponse({ cursor: 'e-1', messages: [] })).toBe(true);
    expect(isLongPollResponse({ cursor: 'e-2', messages: [{ id: 'e-2', data: 'x', event: 'n' }] })).toBe(true);
    expect(isLongPollResponse({ cursor: 'e-0', messages: [], gap: { reason: 'expired', since: 'e-0', firstAvailableId: null } })).toBe(true);
    expect(isLongPollResponse({ cursor: 'e-0', messages: [], gap: { reason: 'expired', since: 'e-0', firstAvailableId: 'e-3' } })).toBe(true);
  });

  it.each([
    null,
    'text',
    {},
    { cursor: 1, messages: [] },
    { cursor: 'c', messages: {} },
    { cursor: 'c', messages: [null] },
    { cursor: 'c', messages: [{ id: 1, data: 'x' }] },
    { cursor: 'c', messages: [{ id: 'i', data: 2 }] },
    { cursor: 'c', messages: [{ id: 'i', data: 'x', event: 3 }] },
    { cursor: 'c', messages: [], gap: null },
    { cursor: 'c', messages: [], gap: 'gap' },
    { cursor: 'c', messages: [], gap: { reason: 1, since: 's', firstAvailableId: null } },
    { cursor: 'c', messages: [], gap: { reason: 'r', since: 2, firstAvailableId: null } },
    { cursor: 'c', messages: [], gap: { reason: 'r', since: 's', firstAvailableId: 3 } },
  ])('reject the answer %j', (body) => {
    expect(isLongPollResponse(body)).toBe(false);
  });

  it('check POST bodies', () => {
    expect(isLongPollPost({ data: 'x' })).toBe(true);
    expect(isLongPollPost({ data: 'x', event: 'e' })).toBe(true);
    for (const bad of [null, 5, {}, { data: 1 }, { data: 'x', event: 2 }]) expect(isLongPollPost(bad)).toBe(false);
  });
});
