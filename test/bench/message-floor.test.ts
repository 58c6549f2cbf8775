// The message floor of bench:runtimes (bench/message-floor.ts) is what switchboard is
// measured against: it must really do what it claims, each payload unmasked and each
// message echoed whole, in one write per read, however the bytes are split.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageEchoer } from '../../bench/message-floor.js';
import { type ParserEvent, createMaskKeySource, encodeFrame, Opcode } from '../../src/protocol/websocket/index.js';
import { copies, parseAll, splitAt } from '../support/collect.js';

interface Message {
  binary: boolean;
  data: Buffer;
}

/** Client frames (masked, one frame per message) for `messages`. */
function clientBytes(messages: Message[]): Buffer {
  const mask = createMaskKeySource();
  return Buffer.concat(messages.flatMap((message) => encodeFrame(message.data, { opcode: message.binary ? Opcode.Binary : Opcode.Text, mask })));
}

/** Feeds `reads` to a fresh echoer; returns its writes, each as its chunks (several when corked: one writev). */
function echo(reads: Buffer[]): Buffer[][] {
  const writes: Buffer[][] = [];
  let corked = false;
  const socket = {
    write(chunk: Buffer): void {
      if (corked) writes.at(-1)!.push(chunk);
      else writes.push([chunk]);
    },
    cork(): void {
      corked = true;
      writes.push([]);
    },
    uncork(): void {
      corked = false;
    },
  };
  const echoer = new MessageEchoer();
  for (const read of reads) echoer.answer(read, socket);
  return writes;
}

function received(written: Buffer[]): Message[] {
  // The echo is a server's: unmasked frames, read as a client reads them.
  const { events, error } = parseAll(written, { role: 'client' });
  expect(error).toBeUndefined();
  return events.filter((event): event is Extract<ParserEvent, { type: 'message' }> => event.type === 'message').map((event) => ({ binary: event.binary, data: Buffer.from(event.data) }));
}

/** Messages as strings: vitest compares long strings at once, Buffers byte by byte. */
const asText = (messages: Message[]): string[] => messages.map((message) => `${message.binary ? 'binary' : 'text'} ${message.data.toString('base64')}`);

/** Large payloads are a pattern (fast-check would draw 64 K bytes one by one): their lengths are what matters. */
function patterned(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + length) & 0xff;
  return bytes;
}

const messageArb: fc.Arbitrary<Message> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 600 }).map((bytes) => ({ binary: true, data: Buffer.from(bytes) })), weight: 4 },
  // Either side of the 16- and 64-bit length forms (§5.2).
  { arbitrary: fc.integer({ min: 65_530, max: 65_545 }).map((length) => ({ binary: true, data: patterned(length) })), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ binary: false, data: Buffer.from(text) })), weight: 3 },
);

describe('the message floor (bench/message-floor.ts)', () => {
  it('echoes every message whole and unmasked, however the reads split the frames', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (messages, cuts) => {
        const bytes = clientBytes(messages);
        const reads = copies(splitAt(bytes, cuts.map((cut) => cut % (bytes.length + 1))));
        expect(asText(received(echo(reads).flat()))).toEqual(asText(messages));
      }),
      { numRuns: 100 },
    );
  });

  it('answers a read with one write, and a read that completes nothing with none', () => {
    const messages = Array.from({ length: 16 }, (_, i) => ({ binary: true, data: Buffer.alloc(32, i) }));
    const bytes = clientBytes(messages);
    expect(echo([Buffer.from(bytes)])).toHaveLength(1);
    // Half a frame, then the rest: nothing is written until a message is whole.
    const half = clientBytes([{ binary: false, data: Buffer.from('hello, floor') }]);
    expect(echo(copies([half.subarray(0, 5), half.subarray(5)]))).toHaveLength(1);
  });

  it('gathers a 1 MiB message from 64 KiB reads', () => {
    const data = patterned(1 << 20);
    const bytes = clientBytes([{ binary: true, data }]);
    const reads = copies(splitAt(bytes, Array.from({ length: 16 }, (_, i) => (i + 1) * 65_536)));
    expect(asText(received(echo(reads).flat()))).toEqual(asText([{ binary: true, data }]));
  });
});
