import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Validator } from '../../../src/protocol/websocket/index.js';
import { splitAt } from '../../support/collect.js';

function decodes(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function validate(chunks: Uint8Array[]): boolean {
  const validator = new Utf8Validator();
  return chunks.every((chunk) => validator.push(chunk)) && validator.finish();
}

describe('Utf8Validator', () => {
  it('agrees with a fatal TextDecoder on any bytes, however they are chunked', () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 60 }).map((text) => new Uint8Array(Buffer.from(text))),
      // Long valid runs with a possible bad byte, to go through the native fast path.
      fc.tuple(fc.string({ unit: 'binary', minLength: 20, maxLength: 60 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(
        ([text, at, byte]) => {
          const bytes = new Uint8Array(Buffer.from(text));
          if (at % 3 === 0) bytes[at % bytes.length] = byte;
          return bytes;
        },
      ),
    );
    fc.assert(
      fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const buffer = Buffer.from(bytes);
        const chunks = splitAt(buffer, cuts.map((cut) => cut % (buffer.length + 1)));
        expect(validate(chunks)).toBe(decodes(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('stays failed after an invalid byte', () => {
    const validator = new Utf8Validator();
    expect(validator.push(Buffer.from([0xff]))).toBe(false);
    expect(validator.push(Buffer.from('fine'))).toBe(false);
    expect(validator.finish()).toBe(false);
    validator.reset();
    expect(validator.push(Buffer.from('fine'))).toBe(true);
    expect(validator.finish()).toBe(true);
  });

  it('reports an incomplete code point only at finish', () => {
    const validator = new Utf8Validator();
    expect(validator.push(Buffer.from([0xf0, 0x9f]))).toBe(true);
    expect(validator.finish()).toBe(false);
    expect(validator.push(Buffer.from([0x98, 0x80]))).toBe(true);
    expect(validator.finish()).toBe(true);
  });

  it('validates a start..end range of a larger buffer', () => {
    const bytes = Buffer.from([0xff, 0x61, 0x62, 0xff]);
    expect(new Utf8Validator().push(bytes, 1, 3)).toBe(true);
  });
});
