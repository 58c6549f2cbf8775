import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DeflateParameters,
  type EndpointEvent,
  Opcode,
  RSV1,
  type Role,
  WebSocketProtocol,
  compressionPlan,
  createMaskKeySource,
  encodeMessage,
} from '../../src/protocol/websocket/index.js';
import { DeflateCodec } from '../../src/websocket/deflate-codec.js';
import { resolveCompression } from '../../src/websocket/deflate-options.js';

// Round trips through permessage-deflate (RFC 7692) as the adapter does them,
// without sockets: any messages, any agreed parameters, either role sending,
// any fragmentation of the compressed payload (§7.2.3.1: only the first frame
// has RSV1), any chunking of the byte stream, any mix of compressed and plain
// messages. The receiving endpoint stops after each compressed message; the
// test inflates it and goes on with the rest, as socket-reading.ts does.

const CHAT = [0, 1, 2].map((i) => JSON.stringify({ type: 'chat', room: 'lobby', user: `user-${i}`, text: 'the quick brown fox jumps over the lazy dog '.repeat(8) }));

const windowBits = fc.option(fc.integer({ min: 8, max: 15 }) as fc.Arbitrary<8 | 9 | 10 | 11 | 12 | 13 | 14 | 15>, { nil: undefined });
const parameters: fc.Arbitrary<DeflateParameters> = fc.record({
  serverNoContextTakeover: fc.boolean(),
  clientNoContextTakeover: fc.boolean(),
  serverMaxWindowBits: windowBits,
  clientMaxWindowBits: windowBits,
});
const message = fc.record({
  binary: fc.boolean(),
  // Repetitive text compresses well; random bytes do not: both kinds.
  data: fc.oneof(
    // The same JSON in several messages: the second refers back into the first's window (context takeover).
    fc.constantFrom(...CHAT).map((text) => Buffer.from(text)),
    fc.string({ unit: 'grapheme', maxLength: 300 }).map((text) => Buffer.from(text.repeat(3))),
    fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)),
  ),
  compress: fc.boolean(),
  fragmentSize: fc.integer({ min: 0, max: 64 }),
  // Text must be UTF-8 (RFC 6455 §8.1): random bytes become their decoding's bytes.
}).map((m) => (m.binary ? m : { ...m, data: Buffer.from(m.data.toString('utf8')) }));

const other = (role: Role): Role => (role === 'server' ? 'client' : 'server');

function compress(codec: DeflateCodec, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => codec.compress(data, (error, out) => (error ? reject(error) : resolve(out!))));
}

function decompress(codec: DeflateCodec, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => codec.decompress(data, (error, out) => (error ? reject(error) : resolve(out!))));
}

describe('permessage-deflate round trips (fast-check)', () => {
  it('whatever is sent arrives, in order, for any parameters, role, fragmentation and chunking', { timeout: 60_000 }, async () => {
    const settings = resolveCompression({ threshold: 0 })!;
    await fc.assert(
      fc.asyncProperty(
        parameters,
        fc.constantFrom<Role>('server', 'client'),
        fc.array(message, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }),
        async (agreed, sender, messages, cuts) => {
          const sending = new DeflateCodec(compressionPlan(agreed, sender), settings, Infinity);
          const receiving = new DeflateCodec(compressionPlan(agreed, other(sender)), settings, 1 << 24);
          const mask = sender === 'client' ? createMaskKeySource() : undefined;
          const frames: Uint8Array[] = [];
          for (const { binary, data, compress: compressIt, fragmentSize } of messages) {
            const payload = compressIt ? await compress(sending, data) : data;
            frames.push(...encodeMessage(payload, { binary, fragmentSize, mask, rsv: compressIt ? RSV1 : 0 }));
          }
          const stream = Buffer.concat(frames);
          const received: { binary: boolean; data: Buffer }[] = [];
          const pending: EndpointEvent[] = [];
          const receiver = new WebSocketProtocol(
            { role: other(sender), maxPayload: 1 << 24, maxFragments: 10_000, mask: undefined, deflate: agreed },
            (event) => pending.push(event),
          );
          let at = 0;
          let cut = 0;
          while (at < stream.length) {
            const size = cuts[cut++ % cuts.length];
            let chunk = Buffer.from(stream.subarray(at, at + size));
            at += chunk.length;
            while (chunk.length > 0) {
              const read = receiver.receive(chunk);
              chunk = chunk.subarray(read);
              for (const event of pending.splice(0)) {
                expect(event.type).toBe('message');
                if (event.type !== 'message') continue;
                const data = event.rsv === RSV1 ? await decompress(receiving, event.data) : Buffer.from(event.data);
                received.push({ binary: event.binary, data });
              }
            }
          }
          sending.close();
          receiving.close();
          expect(received).toEqual(messages.map(({ binary, data }) => ({ binary, data })));
        },
      ),
      { numRuns: 150 },
    );
  });
});
