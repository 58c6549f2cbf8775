import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFLATE_TAIL,
  type DeflateParameters,
  type EndpointEvent,
  type MaskKeySource,
  Opcode,
  ProtocolError,
  RSV1,
  type Role,
  WebSocketProtocol,
  compressionPlan,
  encodeSharedFrame,
  removeDeflateTail,
  sharedFrameParts,
} from '../../../src/protocol/websocket/index.js';
import { parseAll } from '../../support/collect.js';
import { clientFrame, hex, rawFrame } from '../../support/raw-frame.js';

// RFC 7692's framing rules in the sans-I/O core, byte for byte: the examples
// of §7.2.3 (which zlib, the compressor the carrier uses, reproduces exactly),
// the tail a sender removes and a receiver appends, which parameters bind which
// stream, and how the endpoint treats RSV1.

const inflate = (payloads: Buffer[]): string =>
  inflateRawSync(Buffer.concat([...payloads, Buffer.from(DEFLATE_TAIL)]), { finishFlush: constants.Z_SYNC_FLUSH }).toString();
const syncFlushed = (text: string): Buffer => deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });

const NONE: DeflateParameters = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: undefined,
  clientMaxWindowBits: undefined,
};

describe('RFC 7692 §7.2.3 examples', () => {
  it('§7.2.3.1 "Hello" in one compressed frame: c1 07 f2 48 cd c9 c9 07 00', () => {
    const frame = hex('c1 07 f2 48 cd c9 c9 07 00');
    // zlib's sync flush is the RFC's bytes plus the tail the sender removes (§7.2.1).
    expect(syncFlushed('Hello')).toEqual(hex('f2 48 cd c9 c9 07 00 00 00 ff ff'));
    expect(Buffer.from(removeDeflateTail(syncFlushed('Hello')))).toEqual(frame.subarray(2));
    expect(encodeSharedFrame(removeDeflateTail(syncFlushed('Hello')), Opcode.Text, RSV1)).toEqual(frame);
    const { events } = parseAll([frame], { role: 'client', allowedRsv: RSV1 });
    expect(events).toEqual([{ type: 'message', binary: false, data: frame.subarray(2), rsv: RSV1 }]);
    expect(inflate([frame.subarray(2)])).toBe('Hello');
  });

  it('§7.2.3.1 the same, fragmented: 41 03 f2 48 cd then 80 04 c9 c9 07 00 (RSV1 on the first frame only)', () => {
    const bytes = hex('41 03 f2 48 cd  80 04 c9 c9 07 00');
    const { events } = parseAll([bytes], { role: 'client', allowedRsv: RSV1 });
    expect(events).toEqual([{ type: 'message', binary: false, data: hex('f2 48 cd c9 c9 07 00'), rsv: RSV1 }]);
    expect(inflate([(events[0] as { data: Buffer }).data])).toBe('Hello');
    // RSV1 on the continuation frame is a protocol error (§6.1).
    const continued = parseAll([hex('41 03 f2 48 cd  c0 04 c9 c9 07 00')], { role: 'client', allowedRsv: RSV1 });
    expect(continued.error).toBeInstanceOf(ProtocolError);
    expect(continued.error?.closeCode).toBe(1002);
  });

  it('§7.2.3.2 sharing the LZ77 window: the second "Hello" is c1 05 f2 00 11 00 00', () => {
    const first = hex('f2 48 cd c9 c9 07 00');
    const second = hex('f2 00 11 00 00');
    // Inflated with the window kept: both messages through one stream.
    expect(inflate([first, Buffer.from(DEFLATE_TAIL), second])).toBe('HelloHello');
    const { events } = parseAll([hex('c1 05 f2 00 11 00 00')], { role: 'client', allowedRsv: RSV1 });
    expect(events).toEqual([{ type: 'message', binary: false, data: second, rsv: RSV1 }]);
  });

  it('§7.2.3.3 a DEFLATE block with no compression: c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00', () => {
    expect(inflate([hex('00 05 00 fa ff 48 65 6c 6c 6f 00')])).toBe('Hello');
    expect(deflateRawSync(Buffer.from('Hello'), { level: 0, finishFlush: constants.Z_SYNC_FLUSH })).toEqual(hex('00 05 00 fa ff 48 65 6c 6c 6f 00 00 00 ff ff'));
  });

  it('§7.2.3.4 a DEFLATE block with BFINAL set: c1 08 f3 48 cd c9 c9 07 00 00', () => {
    expect(inflate([hex('f3 48 cd c9 c9 07 00 00')])).toBe('Hello');
  });

  it('§7.2.3.5 two DEFLATE blocks in one message: c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00', () => {
    expect(inflate([hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00')])).toBe('Hello');
  });
});

describe('the 00 00 ff ff tail (§7.2.1, §7.2.2)', () => {
  it('is removed from a sync flush', () => {
    expect(removeDeflateTail(hex('f2 48 cd c9 c9 07 00 00 00 ff ff'))).toEqual(hex('f2 48 cd c9 c9 07 00'));
  });

  it('an empty message compresses to the single octet 00, never to nothing', () => {
    expect(syncFlushed('')).toEqual(hex('00 00 00 ff ff'));
    expect(removeDeflateTail(syncFlushed(''))).toEqual(hex('00'));
    // A flush that made only the tail: the payload is its first octet, 00, which the tail completes.
    expect(removeDeflateTail(hex('00 00 ff ff'))).toEqual(hex('00'));
    expect(inflate([hex('00')])).toBe('');
  });

  it('output that was not sync-flushed is refused (a programming error)', () => {
    expect(() => removeDeflateTail(hex('f3 48 cd c9 c9 07 00'))).toThrow(RangeError);
    expect(() => removeDeflateTail(hex('ff ff'))).toThrow(/00 00 ff ff/);
  });

  it('round trip: any bytes, compressed, tail removed, tail appended, inflated', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 0, max: 9 }), (bytes, level) => {
        const payload = removeDeflateTail(deflateRawSync(bytes, { level, finishFlush: constants.Z_SYNC_FLUSH }));
        expect(payload.length).toBeGreaterThan(0);
        const back = inflateRawSync(Buffer.concat([payload, Buffer.from(DEFLATE_TAIL)]), { finishFlush: constants.Z_SYNC_FLUSH });
        expect(Buffer.compare(back, Buffer.from(bytes))).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('compressionPlan: which parameters bind which stream (§7.1)', () => {
  const agreed: DeflateParameters = { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: undefined };

  it('a server compresses under server_*, inflates under client_*', () => {
    expect(compressionPlan(agreed, 'server')).toEqual({
      compress: { windowBits: 10, resetEachMessage: true },
      decompress: { windowBits: 15, resetEachMessage: false },
    });
  });

  it('a client the other way round; no window bits means 15', () => {
    expect(compressionPlan(agreed, 'client')).toEqual({
      compress: { windowBits: 15, resetEachMessage: false },
      decompress: { windowBits: 10, resetEachMessage: true },
    });
    expect(compressionPlan(NONE, 'client').compress.windowBits).toBe(15);
  });
});

describe('sharedFrameParts reads back encodeSharedFrame', () => {
  it('for every length form and RSV value', () => {
    for (const size of [0, 125, 126, 65535, 65536]) {
      for (const rsv of [0, RSV1]) {
        const payload = Buffer.alloc(size, 3);
        const parts = sharedFrameParts(encodeSharedFrame(payload, Opcode.Binary, rsv));
        expect(parts.opcode).toBe(Opcode.Binary);
        expect(parts.rsv).toBe(rsv);
        expect(Buffer.from(parts.payload)).toEqual(payload);
      }
    }
  });
});

// ---- The endpoint under permessage-deflate ----

const KEY = [0x37, 0xfa, 0x21, 0x3d];
const fixedMask: MaskKeySource = (target, at) => target.set(KEY, at);

function endpoint(role: Role, deflate: DeflateParameters | undefined) {
  const events: EndpointEvent[] = [];
  const self = new WebSocketProtocol(
    { role, maxPayload: 1 << 20, maxFragments: 100, mask: role === 'client' ? fixedMask : undefined, deflate },
    (event) => events.push(event),
  );
  const out = (): string => Buffer.concat(self.takeOutgoing()?.chunks ?? []).toString('hex');
  return { self, events, out };
}

describe('WebSocketProtocol with permessage-deflate', () => {
  it('stops reading right after a compressed message, so the carrier inflates it before the next', () => {
    const { self, events } = endpoint('server', NONE);
    const compressed = clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') });
    const plain = clientFrame({ opcode: Opcode.Text, payload: 'next' });
    const bytes = Buffer.concat([plain, compressed, plain]);
    const read = self.receive(bytes);
    expect(read).toBe(plain.length + compressed.length);
    expect(events).toEqual([
      { type: 'message', binary: false, data: Buffer.from('next'), rsv: 0 },
      { type: 'message', binary: false, data: hex('f2 48 cd c9 c9 07 00'), rsv: RSV1 },
    ]);
    expect(self.receive(bytes.subarray(read))).toBe(plain.length);
    expect(events).toHaveLength(3);
  });

  it('RSV1 without permessage-deflate agreed fails with 1002', () => {
    const { self, events, out } = endpoint('server', undefined);
    self.receive(clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') }));
    expect(events[0]).toMatchObject({ type: 'error', error: { closeCode: 1002 } });
    // A close frame (88), its length, then 1002 (03 ea).
    expect(out()).toMatch(/^88..03ea/);
  });

  it('a compressed control frame fails with 1002 even when agreed (§6.1)', () => {
    const { self, events } = endpoint('server', NONE);
    self.receive(clientFrame({ opcode: Opcode.Ping, rsv: RSV1, payload: hex('00') }));
    expect(events[0]).toMatchObject({ type: 'error', error: { closeCode: 1002 } });
  });

  it('RSV2 and RSV3 stay forbidden', () => {
    const { self, events } = endpoint('server', NONE);
    self.receive(clientFrame({ opcode: Opcode.Text, rsv: 2, payload: 'x' }));
    expect(events[0]).toMatchObject({ type: 'error', error: { closeCode: 1002 } });
  });

  it('sends a compressed message with RSV1, masked on a client: c1 87 ... for §7.2.3.1', () => {
    const server = endpoint('server', NONE);
    server.self.send(hex('f2 48 cd c9 c9 07 00'), Opcode.Text, undefined, true);
    expect(server.out()).toBe('c107f248cdc9c90700');
    const client = endpoint('client', NONE);
    client.self.send(hex('f2 48 cd c9 c9 07 00'), Opcode.Text, undefined, true);
    expect(client.out()).toBe(clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') }).toString('hex'));
  });

  it('refuses to mark a control frame, or anything when nothing was agreed', () => {
    expect(() => endpoint('server', NONE).self.send(hex('00'), Opcode.Ping, undefined, true)).toThrow(TypeError);
    expect(() => endpoint('server', undefined).self.send(hex('00'), Opcode.Text, undefined, true)).toThrow(/permessage-deflate/);
  });

  it('after our close frame, a compressed message is neither handed up nor stops the read', () => {
    const { self, events } = endpoint('server', NONE);
    self.close(1000);
    const bytes = Buffer.concat([clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') }), clientFrame({ opcode: Opcode.Close, payload: hex('03e8') })]);
    expect(self.receive(bytes)).toBe(bytes.length);
    expect(events).toEqual([{ type: 'close', code: 1000, reason: '' }]);
  });

  it('a server-side frame from rawFrame matches the encoder for RSV1 too', () => {
    expect(encodeSharedFrame(hex('00'), Opcode.Binary, RSV1)).toEqual(rawFrame({ opcode: Opcode.Binary, rsv: RSV1, payload: hex('00') }));
  });
});
