import { describe, expect, it } from 'vitest';
import {
  SseSerializeError,
  serializeComment,
  serializeData,
  serializeEvent,
  serializeRetry,
} from '../../../src/protocol/sse/index.js';

describe('serializeEvent', () => {
  it('writes event, id, retry and data fields and ends with a blank line', () => {
    expect(serializeEvent({ event: 'tick', id: 'e-1', retry: 2500, data: 'hello' })).toBe(
      'event: tick\nid: e-1\nretry: 2500\ndata: hello\n\n',
    );
  });

  it('splits data on CR, LF and CRLF into one data line per line', () => {
    expect(serializeEvent({ data: 'a\rb\nc\r\nd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('keeps empty lines of data, including leading and trailing ones', () => {
    expect(serializeData('\nx\n')).toBe('data: \ndata: x\ndata: \n');
    expect(serializeEvent({ data: '' })).toBe('data: \n\n');
  });

  it('keeps a leading space of data, since the reader strips only the one after the colon', () => {
    expect(serializeData(' lead')).toBe('data:  lead\n');
  });

  it('writes an id-only event when data is absent', () => {
    expect(serializeEvent({ id: '7' })).toBe('id: 7\n\n');
    expect(serializeEvent({})).toBe('\n');
  });

  it.each(['a\nb', 'a\rb', 'a\0b'])('rejects the id %j', (id) => {
    expect(() => serializeEvent({ id, data: 'x' })).toThrow(SseSerializeError);
    expect(() => serializeEvent({ id, data: 'x' })).toThrow(/id must not contain CR, LF or NUL/);
  });

  it.each(['a\nb', 'a\rb'])('rejects the event type %j', (event) => {
    expect(() => serializeEvent({ event, data: 'x' })).toThrow(/event type must not contain CR or LF/);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])('rejects retry %p', (retry) => {
    expect(() => serializeEvent({ retry })).toThrow(SseSerializeError);
    expect(() => serializeRetry(retry)).toThrow(/retry must be a non-negative safe integer/);
  });
});

describe('serializeRetry and serializeComment', () => {
  it('writes a bare retry field', () => {
    expect(serializeRetry(0)).toBe('retry: 0\n');
  });

  it('writes comments, one line per line of text', () => {
    expect(serializeComment()).toBe(':\n');
    expect(serializeComment('keep-alive')).toBe(': keep-alive\n');
    expect(serializeComment('a\r\nb\n')).toBe(': a\n: b\n:\n');
  });
});
