import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DATA_LENGTH } from '../../../src/protocol/hub/contract.js';
import { DEFAULT_MAX_EVENT_SIZE, EventStreamParser, SseParseError, type SseParseItem } from '../../../src/protocol/sse/index.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function parseText(text: string, parser = new EventStreamParser()): SseParseItem[] {
  return parser.pushText(text);
}

const message = (data: string, lastEventId = '', event = 'message'): SseParseItem => ({ type: 'event', event, data, lastEventId });

describe('EventStreamParser: fields (WHATWG HTML §9.2.6)', () => {
  it('dispatches on a blank line with type message by default', () => {
    expect(parseText('data: hi\n\n')).toEqual([message('hi')]);
  });

  it('joins several data lines with LF and drops the last LF', () => {
    expect(parseText('data: a\ndata: b\ndata\n\n')).toEqual([message('a\nb\n')]);
  });

  it('strips exactly one space after the colon', () => {
    expect(parseText('data:  two\n\ndata:none\n\n')).toEqual([message(' two'), message('none')]);
  });

  it('treats a line without a colon as a field with an empty value', () => {
    expect(parseText('data\n\n')).toEqual([message('')]);
    expect(parseText('event\ndata: x\n\n')).toEqual([message('x')]);
  });

  it('does not dispatch when the data buffer is empty, and resets the event type', () => {
    expect(parseText('event: a\n\ndata: x\n\n')).toEqual([message('x')]);
  });

  it('uses the event field as the type', () => {
    expect(parseText('event: tick\ndata: 1\n\n')).toEqual([message('1', '', 'tick')]);
  });

  it('keeps the last event ID across events until changed, and commits it on dispatch only', () => {
    const parser = new EventStreamParser();
    expect(parseText('id: 1\ndata: a\n\ndata: b\n\n', parser)).toEqual([message('a', '1'), message('b', '1')]);
    expect(parseText('id: 2\n', parser)).toEqual([]);
    expect(parser.lastEventId).toBe('1');
    expect(parseText('\n', parser)).toEqual([]);
    expect(parser.lastEventId).toBe('2');
    expect(parseText('id\ndata: c\n\n', parser)).toEqual([message('c', '')]);
  });

  it('ignores an id containing NUL', () => {
    expect(parseText('id: 1\n\nid: a\0b\ndata: x\n\n')).toEqual([message('x', '1')]);
  });

  it('starts from initialLastEventId', () => {
    const parser = new EventStreamParser({ initialLastEventId: '41' });
    expect(parser.lastEventId).toBe('41');
    expect(parseText('data: x\n\n', parser)).toEqual([message('x', '41')]);
  });

  it('accepts retry with ASCII digits only', () => {
    expect(parseText('retry: 1500\nretry: 1.5\nretry: -1\nretry: 1e3\nretry:\nretry: 0\n')).toEqual([
      { type: 'retry', retry: 1500 },
      { type: 'retry', retry: 0 },
    ]);
  });

  it('reports comments and ignores unknown fields', () => {
    expect(parseText(': hello\n:raw\nfoo: bar\nDATA: x\n\n')).toEqual([
      { type: 'comment', text: 'hello' },
      { type: 'comment', text: 'raw' },
    ]);
  });
});

describe('EventStreamParser: lines and decoding (§9.2.5)', () => {
  it('accepts CR, LF and CRLF line ends', () => {
    expect(parseText('data: a\r\rdata: b\n\ndata: c\r\n\r\n')).toEqual([message('a'), message('b'), message('c')]);
  });

  it('joins a CRLF split across chunks into one line end', () => {
    const parser = new EventStreamParser();
    expect(parser.pushText('data: a\r')).toEqual([]);
    expect(parser.pushText('\n')).toEqual([]);
    expect(parser.pushText('\r')).toEqual([message('a')]);
    expect(parser.pushText('')).toEqual([]);
    expect(parser.pushText('\ndata: b\n\n')).toEqual([message('b')]);
  });

  it('treats a CR followed by another character as a line end', () => {
    const parser = new EventStreamParser();
    parser.pushText('data: a\r');
    expect(parser.pushText('\rdata: b')).toEqual([message('a')]);
  });

  it('joins lines split across chunks', () => {
    const parser = new EventStreamParser();
    expect(parser.pushText('da')).toEqual([]);
    expect(parser.pushText('ta: he')).toEqual([]);
    expect(parser.pushText('llo\n')).toEqual([]);
    expect(parser.pushText('\n')).toEqual([message('hello')]);
  });

  it('decodes UTF-8 split across chunks and replaces invalid bytes', () => {
    const bytes = utf8('data: é😀\n\n');
    const parser = new EventStreamParser();
    const items = [...bytes].flatMap((byte) => parser.push(Uint8Array.of(byte)));
    expect(items).toEqual([message('é😀')]);
    expect(new EventStreamParser().push(Uint8Array.from([...utf8('data: '), 0xff, 0x0a, 0x0a]))).toEqual([message('\ufffd')]);
  });

  it('drops one leading BOM only', () => {
    expect(new EventStreamParser().push(utf8('\ufeffdata: a\n\n'))).toEqual([message('a')]);
    expect(parseText('\ufeffdata: a\n\n')).toEqual([message('a')]);
    // A second BOM makes the first line's field name "\ufeffdata", an unknown field.
    expect(parseText('\ufeff\ufeffdata: a\n\n')).toEqual([]);
    const parser = new EventStreamParser();
    parser.pushText('data: a\n');
    expect(parser.pushText('\ufeffdata: b\n\n')).toEqual([message('a')]);
  });

  it('discards an unfinished event at the end of the stream', () => {
    const parser = new EventStreamParser();
    expect(parser.pushText('data: a\n\ndata: b\n')).toEqual([message('a')]);
    expect(parser.end()).toEqual([]);
    expect(parser.pushText('\n')).toEqual([]);
  });
});

describe('EventStreamParser: limits', () => {
  it('rejects a line longer than maxEventSize', () => {
    const parser = new EventStreamParser({ maxEventSize: 10 });
    expect(() => parser.pushText('data: 0123456789')).toThrow(SseParseError);
  });

  it('rejects an event whose data grows past maxEventSize across lines', () => {
    const parser = new EventStreamParser({ maxEventSize: 10 });
    parser.pushText('data: 0123\n');
    expect(() => parser.pushText('data: 45678\n')).toThrow(/exceeds maxEventSize/);
  });

  it("takes by default the hub's largest data (DEFAULT_MAX_DATA_LENGTH), in one line or many, with an id and an event type", () => {
    const oneLine = 'x'.repeat(DEFAULT_MAX_DATA_LENGTH);
    expect(parseText(`id: e1-1\nevent: tick\ndata: ${oneLine}\n\n`)).toEqual([message(oneLine, 'e1-1', 'tick')]);
    const manyLines = `${'y'.repeat(1000)}\n`.repeat(DEFAULT_MAX_DATA_LENGTH / 1001).padEnd(DEFAULT_MAX_DATA_LENGTH, 'z');
    const wire = manyLines.split('\n').map((line) => `data: ${line}\n`).join('');
    expect(parseText(`${wire}\n`)).toEqual([message(manyLines)]);
    // Past the default, it still refuses.
    expect(() => parseText(`data: ${'x'.repeat(DEFAULT_MAX_EVENT_SIZE)}\n\n`)).toThrow(SseParseError);
  });

  it('allows events up to the limit', () => {
    const parser = new EventStreamParser({ maxEventSize: 12 });
    expect(parser.pushText('data: 01234\n\n')).toEqual([message('01234')]);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxEventSize %p', (maxEventSize) => {
    expect(() => new EventStreamParser({ maxEventSize })).toThrow(RangeError);
  });
});
