import fc from 'fast-check';
import { EventStreamParser, SseParseError, type SseParseItem } from '../../src/protocol/sse/parser.js';
import { serializeComment, serializeEvent } from '../../src/protocol/sse/serializer.js';
import { type FuzzTarget, Finding, check, defineTarget, splitAt } from '../target.js';

// The text/event-stream parser (WHATWG HTML §9.2.5–9.2.6): any bytes yield items
// or, past maxEventSize, an SseParseError; the same items for any chunking; and
// whatever the serializer writes, the parser reads back exactly.

const MAX_EVENT_SIZE = 256;

function parse(chunks: readonly Uint8Array[]): { items: SseParseItem[]; failed: boolean } {
  const parser = new EventStreamParser({ maxEventSize: MAX_EVENT_SIZE });
  const items: SseParseItem[] = [];
  try {
    for (const chunk of chunks) items.push(...parser.push(chunk));
  } catch (error) {
    if (!(error instanceof SseParseError)) throw new Finding(`SSE parser threw ${String(error)}`);
    return { items, failed: true };
  }
  return { items, failed: false };
}

const streamBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .array(fc.oneof(fc.constantFrom('data:', 'data: x', 'event:', 'id:', 'id: 1\0', 'retry:', 'retry: 12', ':', '\r', '\n', '\r\n', '\ufeff', 'é', '\u{1f600}'), fc.string({ maxLength: 10 })), { maxLength: 30 })
    .map((parts) => new TextEncoder().encode(parts.join(''))),
);

export const sseBytes: FuzzTarget = defineTarget(
  {
    name: 'sse-parser-bytes',
    description: 'arbitrary bytes, any split points: items or SseParseError (past maxEventSize), never another throw; the same items for any chunking',
    weight: 2,
  },
  fc.tuple(streamBytes, fc.array(fc.nat(), { maxLength: 10 })),
  ([bytes, cuts]) => {
    const split = parse(splitAt(bytes, cuts));
    const whole = parse([bytes]);
    // A chunking may fail earlier than the whole: the limit counts the unfinished line.
    if (!split.failed && !whole.failed) check(JSON.stringify(split.items) === JSON.stringify(whole.items), 'items depend on chunking');
    for (const item of split.items) {
      if (item.type === 'event') check(item.data.length <= MAX_EVENT_SIZE, 'event data over maxEventSize');
      if (item.type === 'retry') check(Number.isSafeInteger(item.retry) && item.retry >= 0, `retry ${item.retry}`);
    }
  },
);

const text = fc.string({ unit: 'binary', maxLength: 30 });
const event = fc.record(
  {
    event: text.map((s) => s.replace(/[\r\n]/g, '')),
    id: text.map((s) => s.replace(/[\r\n\0]/g, '')),
    data: fc.array(fc.oneof(text, fc.constantFrom('\r', '\n', '\r\n')), { maxLength: 5 }).map((p) => p.join('')),
    retry: fc.nat(),
    comment: text,
  },
  { requiredKeys: ['data'] },
);

export const sseRoundTrip: FuzzTarget = defineTarget(
  {
    name: 'sse-round-trip',
    description: 'serializeEvent → parser, any split points (inside UTF-8 and CRLF): every event, id and retry back exactly',
    weight: 1,
  },
  fc.tuple(fc.array(event, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 })),
  ([events, cuts]) => {
    const stream = events.map((e) => (e.comment === undefined ? '' : serializeComment(e.comment)) + serializeEvent(e)).join('');
    const parser = new EventStreamParser();
    const got = splitAt(new TextEncoder().encode(stream), cuts)
      .flatMap((part) => parser.push(part))
      .filter((item) => item.type !== 'comment');
    const expected: SseParseItem[] = [];
    let lastEventId = '';
    for (const e of events) {
      if (e.id !== undefined) lastEventId = e.id;
      if (e.retry !== undefined) expected.push({ type: 'retry', retry: e.retry });
      expected.push({ type: 'event', event: e.event === undefined || e.event === '' ? 'message' : e.event, data: e.data.replace(/\r\n|\r/g, '\n'), lastEventId });
    }
    check(JSON.stringify(got) === JSON.stringify(expected), 'round trip lost or changed an event');
  },
);
