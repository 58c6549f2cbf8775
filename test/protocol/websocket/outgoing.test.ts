import { describe, expect, it } from 'vitest';
import { Opcode, Outgoing, encodeFrame } from '../../../src/protocol/websocket/index.js';

// A batch of frames: unmasked frames queued as payload + first header byte
// (pushFrame) must come out byte for byte as encodeFrame would have made them,
// whether copied out in one go (copyTo) or taken as arrays (chunks).

const payload = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

/** The bytes of the batch, read both ways, checked to agree. */
function bytesOf(outgoing: Outgoing): Buffer {
  const copied = Buffer.alloc(outgoing.bytes);
  outgoing.copyTo(copied);
  expect(Buffer.concat(outgoing.chunks).toString('hex')).toBe(copied.toString('hex'));
  return copied;
}

describe('Outgoing', () => {
  it('writes the header of each pushed frame in its shortest form (§5.2), payloads as they are', () => {
    // 0, 125 (7-bit length), 126 and 65,535 (16-bit), 65,536 (64-bit).
    const lengths = [0, 5, 125, 126, 300, 65_535, 65_536];
    const outgoing = new Outgoing();
    const expected: Uint8Array[] = [];
    lengths.forEach((length, i) => {
      const data = payload(length, i);
      const opcode = i % 2 === 0 ? Opcode.Text : Opcode.Binary;
      outgoing.pushFrame(0x80 | opcode, data);
      expected.push(...encodeFrame(data, { opcode }));
    });
    const want = Buffer.concat(expected);
    expect(outgoing.bytes).toBe(want.length);
    expect(bytesOf(outgoing).equals(want)).toBe(true);
  });

  it('keeps frames pushed whole and frames pushed as payloads in their order', () => {
    const outgoing = new Outgoing();
    outgoing.push(encodeFrame(Uint8Array.of(1, 2), { opcode: Opcode.Ping }));
    outgoing.pushFrame(0x80 | (4 << 4) | Opcode.Binary, Uint8Array.of(9));
    outgoing.push([Uint8Array.of(0x88, 0x00)]);
    expect(bytesOf(outgoing).toString('hex')).toBe('89020102' + 'c20109' + '8800');
  });

  it('hands a lone whole frame out as it is, and a lone payload never', () => {
    const frame = Uint8Array.of(0x81, 0x01, 0x61);
    const whole = new Outgoing();
    whole.push([frame]);
    expect(whole.single).toBe(frame);
    const pushed = new Outgoing();
    pushed.pushFrame(0x81, Uint8Array.of(0x61));
    expect(pushed.single).toBeUndefined();
    expect(bytesOf(pushed).toString('hex')).toBe('810161');
  });

  it('settles the callbacks of every send in the batch', () => {
    const outgoing = new Outgoing();
    const seen: Array<Error | null | undefined> = [];
    outgoing.pushFrame(0x81, Uint8Array.of(1), (error) => seen.push(error));
    outgoing.push([Uint8Array.of(0x8a, 0x00)], (error) => seen.push(error));
    const failure = new Error('gone');
    outgoing.settle(failure);
    expect(seen).toEqual([failure, failure]);
  });
});
