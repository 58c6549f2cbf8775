import { describe, expect, it } from 'vitest';
import {
  Opcode,
  computeAccept,
  encodeFrame,
  encodeFrameHeader,
  encodeMessage,
} from '../../../src/protocol/websocket/index.js';
import { parseAll } from '../../support/collect.js';
import { hex } from '../../support/raw-frame.js';

// The exact bytes printed in RFC 6455, encoded and parsed.

describe('§1.3 opening handshake example', () => {
  it('derives the accept value of the sample nonce', () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('§5.7 examples', () => {
  const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

  it('a single-frame unmasked text message', () => {
    const bytes = hex('81 05 48 65 6c 6c 6f');
    expect(Buffer.concat(encodeFrame(Buffer.from('Hello'), { opcode: Opcode.Text }))).toEqual(bytes);
    expect(parseAll([bytes], { role: 'client' }).events).toEqual([
      { type: 'message', binary: false, data: Buffer.from('Hello'), rsv: 0 },
    ]);
  });

  it('a single-frame masked text message', () => {
    const bytes = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(Buffer.concat(encodeFrame(Buffer.from('Hello'), { opcode: Opcode.Text, mask: key }))).toEqual(bytes);
    expect(parseAll([bytes], { role: 'server' }).events).toEqual([
      { type: 'message', binary: false, data: Buffer.from('Hello'), rsv: 0 },
    ]);
  });

  it('a fragmented unmasked text message: "Hel" then "lo"', () => {
    const bytes = hex('01 03 48 65 6c  80 02 6c 6f');
    expect(Buffer.concat(encodeMessage(Buffer.from('Hello'), { binary: false, fragmentSize: 3 }))).toEqual(bytes);
    expect(parseAll([bytes], { role: 'client' }).events).toEqual([
      { type: 'message', binary: false, data: Buffer.from('Hello'), rsv: 0 },
    ]);
  });

  it('an unmasked ping and a masked pong, both carrying "Hello"', () => {
    const ping = hex('89 05 48 65 6c 6c 6f');
    const pong = hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(Buffer.concat(encodeFrame(Buffer.from('Hello'), { opcode: Opcode.Ping }))).toEqual(ping);
    expect(Buffer.concat(encodeFrame(Buffer.from('Hello'), { opcode: Opcode.Pong, mask: key }))).toEqual(pong);
    expect(parseAll([ping], { role: 'client' }).events).toEqual([{ type: 'ping', data: Buffer.from('Hello') }]);
    expect(parseAll([pong], { role: 'server' }).events).toEqual([{ type: 'pong', data: Buffer.from('Hello') }]);
  });

  it('256 bytes of binary in one unmasked frame use the 16-bit length', () => {
    const header = hex('82 7e 01 00');
    expect(encodeFrameHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, payloadLength: 256 })).toEqual(header);
    const payload = Buffer.alloc(256, 7);
    const { events } = parseAll([Buffer.concat([header, payload])], { role: 'client' });
    expect(events).toEqual([{ type: 'message', binary: true, data: payload, rsv: 0 }]);
  });

  it('64 KiB of binary in one unmasked frame use the 64-bit length', () => {
    const header = hex('82 7f 00 00 00 00 00 01 00 00');
    expect(encodeFrameHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, payloadLength: 65536 })).toEqual(header);
    const payload = Buffer.alloc(65536, 9);
    const { events } = parseAll([Buffer.concat([header, payload])], { role: 'client' });
    expect(events).toEqual([{ type: 'message', binary: true, data: payload, rsv: 0 }]);
  });
});
