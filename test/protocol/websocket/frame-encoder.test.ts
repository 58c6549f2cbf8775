import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Opcode,
  createMaskKeySource,
  encodeFrame,
  encodeFrameHeader,
  encodeMessage,
  encodeSharedFrame,
  frameHeaderSize,
  writeFrameHeader,
} from '../../../src/protocol/websocket/index.js';
import { parseAll } from '../../support/collect.js';

describe('frame headers (§5.2)', () => {
  it('uses the shortest length form at each boundary', () => {
    const cases: Array<[number, string]> = [
      [0, '8200'],
      [125, '827d'],
      [126, '827e007e'],
      [65535, '827effff'],
      [65536, '827f0000000000010000'],
      [2 ** 32, '827f0000000100000000'],
      [Number.MAX_SAFE_INTEGER, '827f001fffffffffffff'],
    ];
    for (const [length, expected] of cases) {
      const header = encodeFrameHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, payloadLength: length });
      expect(header.toString('hex')).toBe(expected);
      expect(header.length).toBe(frameHeaderSize(length, false));
    }
  });

  it('sets FIN, RSV, opcode, MASK and the key', () => {
    const header = encodeFrameHeader({ fin: false, rsv: 5, opcode: Opcode.Text, payloadLength: 3, maskKey: new Uint8Array([1, 2, 3, 4]) });
    expect(header.toString('hex')).toBe('518301020304');
  });

  it('rejects lengths that are negative, fractional or unsafe', () => {
    for (const payloadLength of [-1, 1.5, 2 ** 53]) {
      expect(() => writeFrameHeader(Buffer.alloc(14), 0, true, 0, 2, payloadLength)).toThrow(RangeError);
    }
  });
});

describe('encodeFrame', () => {
  it('does not copy an unmasked payload: the header and the payload are separate buffers', () => {
    const payload = Buffer.alloc(4096, 1);
    const [header, body] = encodeFrame(payload, { opcode: Opcode.Binary });
    expect(header).toHaveLength(4);
    expect(body).toBe(payload);
  });

  it('writes an empty frame as its header alone', () => {
    const frames = encodeFrame(Buffer.alloc(0), { opcode: Opcode.Text });
    expect(frames).toHaveLength(1);
    expect([...frames[0]]).toEqual([0x81, 0]);
  });

  it('masks small and large payloads alike, with a fixed key or a key source', () => {
    for (const size of [0, 5, 63, 64, 1000]) {
      const payload = Buffer.alloc(size, 0x42);
      for (const mask of [new Uint8Array([1, 2, 3, 4]), createMaskKeySource()]) {
        const frames = encodeFrame(payload, { opcode: Opcode.Binary, mask });
        expect(parseAll(frames, { role: 'server' }).events).toEqual([{ type: 'message', binary: true, data: payload, rsv: 0 }]);
      }
    }
  });

  it('masks into a copy and leaves the caller’s bytes alone', () => {
    const payload = Buffer.alloc(4096, 7);
    const frames = encodeFrame(payload, { opcode: Opcode.Binary, mask: new Uint8Array([9, 8, 7, 6]) });
    expect(frames).toHaveLength(1);
    expect(payload.every((byte) => byte === 7)).toBe(true);
    expect(parseAll(frames, { role: 'server' }).events).toEqual([{ type: 'message', binary: true, data: payload, rsv: 0 }]);
  });

  it('accepts a typed array that is not a Buffer', () => {
    const payload = new Uint8Array(2000).fill(3);
    const frames = encodeFrame(payload, { opcode: Opcode.Binary });
    expect(Buffer.concat(frames).subarray(4)).toEqual(Buffer.from(payload));
  });

  it('refuses control frames over 125 bytes or fragmented', () => {
    expect(() => encodeFrame(Buffer.alloc(126), { opcode: Opcode.Ping })).toThrow(RangeError);
    expect(() => encodeFrame(Buffer.alloc(1), { opcode: Opcode.Pong, fin: false })).toThrow(RangeError);
    expect(() => encodeSharedFrame(Buffer.alloc(126), Opcode.Ping)).toThrow(RangeError);
  });
});

describe('encodeMessage', () => {
  it('splits into fragments of the chosen size, RSV only on the first', () => {
    const frames = encodeMessage(Buffer.from('abcdefg'), { binary: true, fragmentSize: 3, rsv: 4 });
    expect(Buffer.concat(frames).toString('hex')).toBe(['420361626' + '3', '0003646566', '800167'].join(''));
  });

  it('gives every fragment of a client message its own key', () => {
    let counter = 0;
    const mask = (target: Uint8Array, at: number) => target.set([++counter, 0, 0, 0], at);
    const frames = encodeMessage(Buffer.alloc(6), { binary: true, fragmentSize: 2, mask });
    expect(frames.map((frame) => frame[2])).toEqual([1, 2, 3]);
  });

  it('round-trips through the parser for any fragment size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 0, max: 3000 }), (bytes, fragmentSize) => {
        const data = Buffer.from(bytes);
        const outcome = parseAll(encodeMessage(data, { binary: true, fragmentSize }), { role: 'client' });
        expect(outcome.events).toEqual([{ type: 'message', binary: true, data, rsv: 0 }]);
      }),
    );
  });
});

describe('encodeSharedFrame', () => {
  it('is one buffer with the same bytes as encodeFrame, reusable for any number of peers', () => {
    for (const size of [0, 10, 200, 70000]) {
      const payload = Buffer.alloc(size, 5);
      const shared = encodeSharedFrame(payload, Opcode.Binary);
      expect(shared).toEqual(Buffer.concat(encodeFrame(payload, { opcode: Opcode.Binary })));
    }
  });
});
