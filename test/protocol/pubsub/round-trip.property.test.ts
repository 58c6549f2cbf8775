import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  GAP_REASONS,
  encodeClientMessage,
  encodeServerMessage,
  parseClientMessage,
  parseServerMessage,
  type ClientMessage,
  type ServerMessage,
} from '../../../src/protocol/pubsub/index.js';

const text = (min: number, max: number) => fc.string({ unit: 'binary', minLength: min, maxLength: max });
const channel = text(1, 256);
const id = text(1, 128);
const event = text(1, 256).filter((e) => !/[\r\n]/.test(e));
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

// Built without undefined fields, as the parser returns them.
const strip = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ type: fc.constant('subscribe' as const), channel, since: optional(id) }).map(strip),
  fc.record({ type: fc.constant('unsubscribe' as const), channel }),
  fc.record({ type: fc.constant('publish' as const), channel, data: text(0, 200), event: optional(event), ref: optional(text(1, 128)) }).map(strip),
);

const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({ type: fc.constant('message' as const), channel, id, data: text(0, 200), event: optional(event) }).map(strip),
  fc.record({
    type: fc.constant('gap' as const),
    channel,
    since: id,
    reason: fc.constantFrom(...GAP_REASONS),
    firstAvailableId: fc.option(id, { nil: null }),
  }),
  fc.record({ type: fc.constant('subscribed' as const), channel, headId: id }),
  fc.record({ type: fc.constant('unsubscribed' as const), channel }),
  fc.record({ type: fc.constant('published' as const), ref: id, id }),
  fc.record({ type: fc.constant('ping' as const), interval: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
  fc.record({ type: fc.constant('restart' as const), retry: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) }),
  fc
    .record({ type: fc.constant('error' as const), ref: optional(id), channel: optional(channel), code: fc.constantFrom(...ERROR_CODES), message: text(0, 50) })
    .map(strip),
);

describe('switchboard.v1 properties', () => {
  it('parse(encode(m)) is m for every client message within the limits', () => {
    fc.assert(fc.property(clientMessage, (message) => {
        expect(parseClientMessage(encodeClientMessage(message))).toEqual({ ok: true, message });
      }));
  });

  it('parse(encode(m)) is m for every server message', () => {
    fc.assert(fc.property(serverMessage, (message) => {
        expect(parseServerMessage(encodeServerMessage(message))).toEqual({ ok: true, message });
      }));
  });

  it('never throws on arbitrary text or arbitrary JSON, and fails with a reason', () => {
    const anything = fc.oneof(text(0, 100), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), clientMessage.map((m) => JSON.stringify({ ...m, data: 1 })));
    fc.assert(
      fc.property(anything, (input) => {
        for (const result of [parseClientMessage(input), parseServerMessage(input)]) {
          if (!result.ok) expect(typeof result.reason).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a parsed client message always encodes back to something that parses to itself', () => {
    const fields = fc.record(
      {
        type: fc.constantFrom('subscribe', 'unsubscribe', 'publish', 'other'),
        channel: fc.oneof(text(0, 5), fc.integer()),
        since: fc.oneof(text(0, 5), fc.constant(null)),
        data: fc.oneof(text(0, 5), fc.boolean()),
        event: fc.oneof(text(0, 5), fc.constant('a\nb')),
        ref: text(0, 5),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fields, (value) => {
        const result = parseClientMessage(JSON.stringify(value));
        if (result.ok) expect(parseClientMessage(encodeClientMessage(result.message))).toEqual(result);
      }),
      { numRuns: 500 },
    );
  });
});
