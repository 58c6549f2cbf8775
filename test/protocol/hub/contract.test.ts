import { describe, expect, it } from 'vitest';
import {
  HubInputError,
  MAX_CURSOR_LENGTH,
  formatMessageId,
  gapNotice,
  isCursorTooLong,
  parseMessageId,
  validatePublishInput,
  type GapEvent,
} from '../../../src/protocol/hub/contract.js';

describe('validatePublishInput', () => {
  it('accepts data up to maxDataLength, with or without an event name', () => {
    expect(() => validatePublishInput('c', { data: '12345' }, 5)).not.toThrow();
    expect(() => validatePublishInput('c', { data: '', event: 'e' }, 5)).not.toThrow();
    expect(() => validatePublishInput('c', { data: 'x', event: undefined }, 5)).not.toThrow();
  });

  it.each<[string, unknown, unknown, RegExp]>([
    ['an empty channel', '', { data: 'x' }, /channel must be a string/],
    ['a channel of 257 characters', 'c'.repeat(257), { data: 'x' }, /channel must be a string of 1 to 256/],
    ['a channel that is not a string', 7, { data: 'x' }, /channel must be a string/],
    ['no message', 'c', undefined, /message.data must be a string/],
    ['a null message', 'c', null, /message.data must be a string/],
    ['data that is not a string', 'c', { data: 1 }, /message.data must be a string/],
    ['data longer than maxDataLength', 'c', { data: '123456' }, /message.data exceeds maxDataLength \(5\)/],
    ['an event that is not a string', 'c', { data: 'x', event: 3 }, /message.event must be a string/],
  ])('refuses %s with a HubInputError', (_what, channel, message, text) => {
    expect(() => validatePublishInput(channel, message, 5)).toThrow(HubInputError);
    expect(() => validatePublishInput(channel, message, 5)).toThrow(text);
  });
});

describe('cursor cap', () => {
  it('lets through no cursor and cursors up to MAX_CURSOR_LENGTH, which hold any id of the format', () => {
    expect(isCursorTooLong(undefined)).toBe(false);
    expect(isCursorTooLong('')).toBe(false);
    expect(isCursorTooLong('x'.repeat(MAX_CURSOR_LENGTH))).toBe(false);
    const longestId = formatMessageId('e'.repeat(64), Number.MAX_SAFE_INTEGER);
    expect(isCursorTooLong(longestId)).toBe(false);
    expect(MAX_CURSOR_LENGTH).toBe(1024);
  });

  it('refuses one character more', () => {
    expect(isCursorTooLong('x'.repeat(MAX_CURSOR_LENGTH + 1))).toBe(true);
  });
});

describe('gapNotice', () => {
  it('keeps exactly reason, since and firstAvailableId: no channel, no id', () => {
    const event: GapEvent = { type: 'gap', channel: 'c', since: 'e-3', reason: 'expired', firstAvailableId: 'e-7' };
    expect(gapNotice(event)).toStrictEqual({ reason: 'expired', since: 'e-3', firstAvailableId: 'e-7' });
    expect(gapNotice({ ...event, reason: 'unknown-id', firstAvailableId: null })).toStrictEqual({ reason: 'unknown-id', since: 'e-3', firstAvailableId: null });
  });
});

describe('parseMessageId', () => {
  it('refuses an offset past Number.MAX_SAFE_INTEGER, which the 16-digit pattern lets through', () => {
    expect(parseMessageId(`e-${Number.MAX_SAFE_INTEGER}`)).toEqual({ epoch: 'e', offset: Number.MAX_SAFE_INTEGER });
    expect(parseMessageId('e-9999999999999999')).toBeNull();
  });
});
