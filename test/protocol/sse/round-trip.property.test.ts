import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventStreamParser, SseParseError, serializeComment, serializeEvent, type SseParseItem } from '../../../src/protocol/sse/index.js';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const textWithLineBreaks = fc
  .array(fc.oneof(text, fc.constantFrom('\r', '\n', '\r\n', '\r\r', '\n\r', '\0')), { maxLength: 6 })
  .map((parts) => parts.join(''));
const noCrLf = text.map((s) => s.replace(/[\r\n]/g, ''));
const id = text.map((s) => s.replace(/[\r\n\0]/g, ''));

const event = fc.record(
  {
    event: noCrLf,
    id,
    data: textWithLineBreaks,
    retry: fc.nat(),
    comment: textWithLineBreaks,
  },
  { requiredKeys: ['data'] },
);

/** Splits bytes at arbitrary points (including inside UTF-8 sequences and CRLF pairs). */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    out.push(bytes.subarray(start, point));
    start = point;
  }
  out.push(bytes.subarray(start));
  return out;
}

describe('serialize → parse round trip', () => {
  it('gives back every event (type, data with any line breaks, id, retry) for any chunking', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), (events, cuts, bom) => {
        const stream =
          (bom ? '\ufeff' : '') +
          events.map((e) => (e.comment === undefined ? '' : serializeComment(e.comment)) + serializeEvent(e)).join('');
        const parser = new EventStreamParser();
        const items = chunk(new TextEncoder().encode(stream), cuts).flatMap((part) => parser.push(part));
        const got = items.filter((item) => item.type !== 'comment');

        const expected: SseParseItem[] = [];
        let lastEventId = '';
        for (const e of events) {
          if (e.id !== undefined) lastEventId = e.id;
          if (e.retry !== undefined) expected.push({ type: 'retry', retry: e.retry });
          // The reader turns every CR, LF and CRLF of the data into LF.
          const data = e.data.replace(/\r\n|\r/g, '\n');
          expected.push({ type: 'event', event: e.event === undefined || e.event === '' ? 'message' : e.event, data, lastEventId });
        }
        expect(got).toEqual(expected);
        expect(parser.lastEventId).toBe(lastEventId);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same items for text chunks as for byte chunks', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (events, cuts) => {
        const stream = events.map((e) => serializeEvent(e)).join('');
        const whole = new EventStreamParser().pushText(stream);
        const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
        const parser = new EventStreamParser();
        const items: SseParseItem[] = [];
        let start = 0;
        for (const point of [...points, stream.length]) {
          items.push(...parser.pushText(stream.slice(start, point)));
          start = point;
        }
        expect(items).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parser robustness', () => {
  it('never throws anything but SseParseError on arbitrary bytes, and only past the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.integer({ min: 1, max: 128 }), (chunks, maxEventSize) => {
        const parser = new EventStreamParser({ maxEventSize });
        const decoder = new TextDecoder();
        const items: SseParseItem[] = [];
        let fed = '';
        let failure: unknown = null;
        try {
          for (const part of chunks) {
            fed += decoder.decode(part, { stream: true });
            items.push(...parser.push(part));
          }
          parser.end();
        } catch (error) {
          failure = error;
        }
        // Asserted outside the try, so that a failed expectation is never taken for the parser's error.
        if (failure !== null) {
          expect(failure).toBeInstanceOf(SseParseError);
          // It was thrown for a reason: some event (the text since a blank line) grew past the limit.
          expect(longestEvent(fed)).toBeGreaterThan(maxEventSize);
        }
        for (const item of items) {
          if (item.type === 'event') expect(item.data.length).toBeLessThanOrEqual(maxEventSize);
          if (item.type === 'retry') expect(Number.isInteger(item.retry)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary bytes with the default limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 256 }), { maxLength: 16 }), (chunks) => {
        const parser = new EventStreamParser();
        for (const part of chunks) parser.push(part);
        parser.end();
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * The most code units an event ever spanned in `text`: from the end of a blank line (or
 * the start) to any later point, its line breaks (CR, LF or CRLF) counted as one. The
 * parser's unfinished line plus its data buffer can never be longer, so an error for
 * exceeding `maxEventSize` is only right when this is larger.
 */
function longestEvent(text: string): number {
  let line = 0;
  let event = 0;
  let longest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' && text[i - 1] === '\r') continue;
    if (c === '\r' || c === '\n') {
      event = line === 0 ? 0 : event + line + 1;
      line = 0;
    } else {
      line++;
    }
    longest = Math.max(longest, event + line);
  }
  return longest;
}
