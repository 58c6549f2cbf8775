import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameAnnotator,
  annotateFrames,
  base64,
  closeCodeName,
  explainAccept,
  fromHex,
  maskSteps,
  opcodeName,
  sha1,
  toHex,
} from '../../../src/protocol/inspector/index.js';
import { computeAccept } from '../../../src/protocol/websocket/index.js';
import { clientFrame, hex, rawFrame } from '../../support/raw-frame.js';

const one = (bytes: Uint8Array) => {
  const { frames, rest, failure } = annotateFrames(bytes);
  expect(rest).toBe(0);
  expect(failure).toBeUndefined();
  expect(frames).toHaveLength(1);
  return frames[0];
};
const field = (frame: ReturnType<typeof one>, name: string) => frame.fields.find((f) => f.name === name);

describe('frame annotation: the examples of RFC 6455 §5.7', () => {
  it('a single-frame unmasked text message', () => {
    const frame = one(hex('81 05 48 65 6c 6c 6f'));
    expect(frame).toMatchObject({ fin: true, rsv: 0, opcode: 1, opcodeName: 'text', masked: false, lengthForm: '7-bit', payloadLength: 5, text: 'Hello', headerLength: 2, notes: [] });
    expect(frame.fields.map((f) => [f.name, f.offset, f.length, f.bits?.first, f.bits?.count, f.value])).toEqual([
      ['FIN', 0, 1, 0, 1, true],
      ['RSV1', 0, 1, 1, 1, false],
      ['RSV2', 0, 1, 2, 1, false],
      ['RSV3', 0, 1, 3, 1, false],
      ['opcode', 0, 1, 4, 4, '0x1 text'],
      ['MASK', 1, 1, 0, 1, false],
      ['payload length', 1, 1, 1, 7, 5],
      ['payload', 2, 5, undefined, undefined, '5 bytes'],
    ]);
    expect(field(frame, 'MASK')!.explanation).toContain('§5.1');
  });

  it('a single-frame masked text message: key, masked bytes and the unmasking byte by byte', () => {
    const frame = one(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(frame.masked).toBe(true);
    expect(toHex(frame.maskKey!)).toBe('37 fa 21 3d');
    expect(field(frame, 'masking key')).toMatchObject({ offset: 2, length: 4, value: '37 fa 21 3d' });
    expect(field(frame, 'payload')).toMatchObject({ offset: 6, length: 5 });
    expect(frame.text).toBe('Hello');
    expect(maskSteps(frame)).toEqual([
      { index: 0, masked: 0x7f, keyIndex: 0, keyByte: 0x37, unmasked: 0x48 },
      { index: 1, masked: 0x9f, keyIndex: 1, keyByte: 0xfa, unmasked: 0x65 },
      { index: 2, masked: 0x4d, keyIndex: 2, keyByte: 0x21, unmasked: 0x6c },
      { index: 3, masked: 0x51, keyIndex: 3, keyByte: 0x3d, unmasked: 0x6c },
      { index: 4, masked: 0x58, keyIndex: 0, keyByte: 0x37, unmasked: 0x6f },
    ]);
    expect(maskSteps(frame, 2)).toHaveLength(2);
    expect(maskSteps(one(hex('81 05 48 65 6c 6c 6f')))).toEqual([]);
  });

  it('a fragmented unmasked text message: the continuation knows its message', () => {
    const { frames } = annotateFrames(hex('01 03 48 65 6c 80 02 6c 6f'));
    expect(frames.map((f) => [f.opcodeName, f.fin, f.text, f.continues, f.streamOffset])).toEqual([
      ['text', false, 'Hel', undefined, 0],
      ['continuation', true, 'lo', 'text', 5],
    ]);
    expect(field(frames[0], 'FIN')!.explanation).toContain('more fragments');
  });

  it('ping and masked pong', () => {
    const { frames } = annotateFrames(hex('89 05 48 65 6c 6c 6f 8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(frames.map((f) => [f.opcodeName, f.masked, Buffer.from(f.payload).toString()])).toEqual([
      ['ping', false, 'Hello'],
      ['pong', true, 'Hello'],
    ]);
    expect(frames[0].text).toBeUndefined();
  });

  it('256 bytes and 64 KiB of binary: the 16- and 64-bit length forms', () => {
    const mid = one(Buffer.concat([hex('82 7e 01 00'), Buffer.alloc(256)]));
    expect(mid.lengthForm).toBe('16-bit');
    expect(field(mid, 'payload length')!.value).toBe(126);
    expect(field(mid, 'extended payload length')).toMatchObject({ offset: 2, length: 2, value: 256 });
    const big = one(Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), Buffer.alloc(65536)]));
    expect(big.lengthForm).toBe('64-bit');
    expect(field(big, 'extended payload length')).toMatchObject({ offset: 2, length: 8, value: 65536 });
    expect(field(big, 'payload length')!.explanation).toContain('64 bits');
  });
});

describe('frame annotation: close frames', () => {
  it('reads the code and reason, with their byte ranges', () => {
    const frame = one(clientFrame({ opcode: 8, payload: Buffer.concat([hex('03 e8'), Buffer.from('bye')]) }));
    expect(frame.close).toEqual({ code: 1000, reason: 'bye' });
    expect(field(frame, 'close code')).toMatchObject({ offset: 6, length: 2, value: 1000 });
    expect(field(frame, 'close code')!.explanation).toContain('Normal Closure');
    expect(field(frame, 'close reason')).toMatchObject({ offset: 8, length: 3, value: 'bye' });
  });

  it('explains an empty close, a 1-byte one, a code that may not be sent and a reason that is not UTF-8', () => {
    expect(one(rawFrame({ opcode: 8 })).notes[0]).toContain('1005');
    expect(one(rawFrame({ opcode: 8, payload: hex('03') })).notes[0]).toContain('1 byte');
    const reserved = one(rawFrame({ opcode: 8, payload: hex('03 ed') }));
    expect(reserved.close).toEqual({ code: 1005, reason: '' });
    expect(reserved.notes[0]).toContain('may not be sent');
    expect(field(reserved, 'close reason')).toBeUndefined();
    const badReason = one(rawFrame({ opcode: 8, payload: hex('03 e8 ff') }));
    expect(badReason.close).toEqual({ code: 1000, reason: '' });
    expect(field(badReason, 'close reason')!.value).toBe('ff');
    expect(badReason.notes[0]).toContain('not valid UTF-8');
  });

  it('names every kind of close code', () => {
    expect(closeCodeName(1001)).toBe('Going Away');
    expect(closeCodeName(3001)).toContain('libraries');
    expect(closeCodeName(4001)).toContain('private');
    expect(closeCodeName(999)).toContain('may send');
    expect(closeCodeName(2000)).toContain('may send');
  });
});

describe('frame annotation: frames that break the rules are shown, with the rule', () => {
  const notesOf = (bytes: Uint8Array) => one(bytes).notes.join(' | ');

  it('a length not in its shortest form', () => {
    expect(notesOf(rawFrame({ opcode: 2, payload: 'hi', lengthForm: 16 }))).toContain('shortest form');
    expect(notesOf(rawFrame({ opcode: 2, payload: 'hi', lengthForm: 64 }))).toContain('shortest form');
  });

  it('an oversized or fragmented control frame', () => {
    expect(notesOf(rawFrame({ opcode: 9, payload: Buffer.alloc(126) }))).toContain('at most 125');
    expect(notesOf(rawFrame({ opcode: 9, fin: false }))).toContain('must not be fragmented');
  });

  it('RSV bits and reserved opcodes', () => {
    const compressed = one(rawFrame({ opcode: 1, rsv: 4, payload: hex('f2 48 cd c9 c9 07 00') }));
    expect(compressed.notes.join()).toContain('RFC 7692');
    expect(field(compressed, 'RSV1')!.explanation).toContain('permessage-deflate');
    expect(field(one(rawFrame({ opcode: 1, rsv: 2 })), 'RSV2')!.explanation).toContain('extension that defines it');
    const reserved = one(rawFrame({ opcode: 3 }));
    expect(reserved.opcodeName).toBe('reserved data 0x3');
    expect(reserved.notes.join()).toContain('reserved');
    expect(field(reserved, 'opcode')!.explanation).toContain('reserved');
    expect(opcodeName(0xb)).toBe('reserved control 0xb');
  });

  it('fragmentation out of order (§5.4)', () => {
    expect(notesOf(rawFrame({ opcode: 0, payload: 'x' }))).toContain('no message open');
    const { frames } = annotateFrames(Buffer.concat([rawFrame({ opcode: 1, fin: false, payload: 'a' }), rawFrame({ opcode: 2, payload: 'b' })]));
    expect(frames[1].notes.join()).toContain('still open');
    // A control frame in between does not end or disturb the message.
    const { frames: mixed } = annotateFrames(
      Buffer.concat([rawFrame({ opcode: 2, fin: false, payload: 'a' }), rawFrame({ opcode: 9 }), rawFrame({ opcode: 0, payload: 'b' })]),
    );
    expect(mixed.map((f) => f.continues)).toEqual([undefined, undefined, 'binary']);
  });

  it('text that is not UTF-8, and a code point split across fragments', () => {
    expect(notesOf(rawFrame({ opcode: 1, payload: hex('ff') }))).toContain('1007');
    const euro = Buffer.from('€');
    const { frames } = annotateFrames(
      Buffer.concat([rawFrame({ opcode: 1, fin: false, payload: euro.subarray(0, 1) }), rawFrame({ opcode: 0, payload: euro.subarray(1) })]),
    );
    expect(frames[0].text).toBeUndefined();
    expect(frames[0].notes).toEqual([]);
    expect(frames[1].notes.join()).toContain('split across fragments');
  });

  it('a 64-bit length with its top bit set stops the stream, with the reason', () => {
    const annotator = new FrameAnnotator();
    expect(annotator.push(Buffer.concat([rawFrame({ opcode: 2, payload: 'ok' }), hex('82 7f 80 00 00 00 00 00 00 00 01 02')]))).toHaveLength(1);
    expect(annotator.failure).toContain('most significant bit');
    expect(annotator.push(hex('81 00'))).toEqual([]);
    expect(annotateFrames(hex('82 7f 80 00 00 00 00 00 00 00')).failure).toContain('§5.2');
  });

  it('a partial frame is held back and counted', () => {
    expect(annotateFrames(hex('81 85 37 fa'))).toEqual({ frames: [], rest: 4 });
    expect(annotateFrames(hex('81 05 48 65'))).toEqual({ frames: [], rest: 4 });
    expect(annotateFrames(hex('81'))).toEqual({ frames: [], rest: 1 });
  });

  it('a truncated payload says so and is not decoded', () => {
    const frame = annotateFrames(rawFrame({ opcode: 8, payload: Buffer.concat([hex('03 e8'), Buffer.from('reason')]) }), { captureLimit: 3 }).frames[0];
    expect(frame.truncated).toBe(true);
    expect(frame.close).toBeUndefined();
    expect(frame.notes.join()).toContain('first 3 of 8');
    expect(field(frame, 'payload')!.value).toBe('8 bytes (first 3 kept)');
  });

  it('skips the fields when asked, keeping the rest', () => {
    const close = annotateFrames(clientFrame({ opcode: 8, payload: Buffer.concat([hex('03 e8'), Buffer.from('bye')]) }), { fields: false }).frames[0];
    expect(close).toMatchObject({ fields: [], close: { code: 1000, reason: 'bye' }, masked: true });
    const long = annotateFrames(rawFrame({ opcode: 1, payload: 'hi', lengthForm: 16 }), { fields: false }).frames[0];
    expect(long).toMatchObject({ fields: [], text: 'hi', lengthForm: '16-bit' });
    expect(long.notes[0]).toContain('shortest form');
  });

  it('refuses a captureLimit that is not a whole number', () => {
    expect(() => new FrameAnnotator({ captureLimit: -1 })).toThrow(RangeError);
    expect(() => new FrameAnnotator({ captureLimit: 1.5 })).toThrow(RangeError);
  });
});

describe('hex', () => {
  it('reads hex as people paste it and writes it back', () => {
    expect([...fromHex('0x81 0x05:48,65\n6c 6C6f')]).toEqual([0x81, 5, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    expect(toHex(fromHex('8105'), '')).toBe('8105');
    expect(() => fromHex('81 0')).toThrow(/Odd number/);
    expect(() => fromHex('zz')).toThrow(/Not a hex digit: "z"/);
  });
});

describe('Sec-WebSocket-Accept, step by step', () => {
  it('explains the example of RFC 6455 §1.3', () => {
    const explained = explainAccept('dGhlIHNhbXBsZSBub25jZQ==');
    expect(explained.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(explained.steps.map((s) => s.name)).toEqual(['key', 'concatenate', 'sha1', 'base64']);
    expect(explained.steps[1].value).toBe('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(explained.steps[2].value).toBe('b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea');
    expect(explained.matches).toBeUndefined();
  });

  it("checks a server's answer", () => {
    expect(explainAccept('dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=').matches).toBe(true);
    const wrong = explainAccept('dGhlIHNhbXBsZSBub25jZQ==', 'nope');
    expect(wrong.matches).toBe(false);
    expect(wrong.steps.at(-1)!.explanation).toContain('fail the connection');
  });

  it('agrees with the handshake code (node:crypto) for any key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const key = Buffer.from(bytes).toString('base64');
        expect(explainAccept(key).accept).toBe(computeAccept(key));
      }),
    );
  });

  it('SHA-1 and base64 agree with node:crypto and Buffer for any input, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(Buffer.from(sha1(bytes)).toString('hex')).toBe(createHash('sha1').update(bytes).digest('hex'));
        expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
      { numRuns: 300 },
    );
  });
});
