import { describe, expect, it } from 'vitest';
import { FrameParser, Opcode, type ParserEvent, ProtocolError } from '../../../src/protocol/websocket/index.js';
import { onJavaScriptCore } from '../../../src/protocol/websocket/engine.js';
import { DEFAULT_COPY_UP_TO } from '../../../src/protocol/websocket/frame-parser.js';
import { copies, parseAll } from '../../support/collect.js';
import { clientFrame, rawFrame } from '../../support/raw-frame.js';

// Table-driven checks of every parser rule, grouped like the Autobahn|Testsuite
// case groups they mirror. Frames come from the independent `rawFrame` builder.

const server = { role: 'server' as const };
const text = (payload: string | Buffer, more: object = {}) => clientFrame({ opcode: Opcode.Text, payload, ...more });
const binary = (payload: Buffer, more: object = {}) => clientFrame({ opcode: Opcode.Binary, payload, ...more });
const message = (data: string | Buffer, isBinary = false) => ({
  type: 'message',
  binary: isBinary,
  data: Buffer.from(data),
  rsv: 0,
});

/** Every way of cutting a stream: whole, byte by byte, and in 3-byte pieces. */
function chunkings(bytes: Buffer): Buffer[][] {
  const bytewise = [...bytes].map((byte) => Buffer.from([byte]));
  const threes: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 3) threes.push(bytes.subarray(i, i + 3));
  return [[bytes], bytewise, threes];
}

function expectEvents(bytes: Buffer, expected: unknown[], options: object = server): void {
  for (const chunks of chunkings(bytes)) {
    const outcome = parseAll(copies(chunks), { role: 'server', ...options });
    expect(outcome.error).toBeUndefined();
    expect(outcome.events).toEqual(expected);
  }
}

function expectFailure(bytes: Buffer, closeCode: number, before: unknown[] = [], options: object = server): void {
  for (const chunks of chunkings(bytes)) {
    const outcome = parseAll(copies(chunks), { role: 'server', ...options });
    expect(outcome.error).toBeInstanceOf(ProtocolError);
    expect(outcome.error?.closeCode).toBe(closeCode);
    expect(outcome.events).toEqual(before);
  }
}

describe('1 Framing (§5.2, §5.6)', () => {
  for (const length of [0, 1, 125, 126, 127, 128, 65535, 65536, 70000]) {
    it(`1.1/1.2 text and binary of ${length} bytes`, () => {
      const payload = Buffer.alloc(length, 0x2a);
      expectEvents(Buffer.concat([text(payload), binary(payload)]), [message(payload), message(payload, true)]);
    });
  }

  it('accepts a non-minimal length form (the MUST is on the sender)', () => {
    expectEvents(text('hi', { lengthForm: 64 }), [message('hi')]);
  });

  it('rejects a 64-bit length with the most significant bit set', () => {
    expectFailure(rawFrame({ opcode: Opcode.Binary, mask: [1, 2, 3, 4], length: 2 ** 63, lengthForm: 64 }), 1002);
  });

  it('a server fails an unmasked client frame (§5.1)', () => {
    expectFailure(rawFrame({ opcode: Opcode.Text, payload: 'hi' }), 1002);
  });

  it('a client fails a masked server frame (§5.1)', () => {
    expectFailure(text('hi'), 1002, [], { role: 'client' });
  });

  it('a client reads unmasked frames', () => {
    expectEvents(rawFrame({ opcode: Opcode.Text, payload: 'hi' }), [message('hi')], { role: 'client' });
  });
});

describe('2 Pings and pongs (§5.5.2, §5.5.3)', () => {
  it('2.1–2.3 pings with no, text and binary payloads', () => {
    const bytes = Buffer.concat([
      clientFrame({ opcode: Opcode.Ping }),
      clientFrame({ opcode: Opcode.Ping, payload: 'Hello, world!' }),
      clientFrame({ opcode: Opcode.Ping, payload: Buffer.from([0, 0xff, 0xfe, 0xfd]) }),
    ]);
    expectEvents(bytes, [
      { type: 'ping', data: Buffer.alloc(0) },
      { type: 'ping', data: Buffer.from('Hello, world!') },
      { type: 'ping', data: Buffer.from([0, 0xff, 0xfe, 0xfd]) },
    ]);
  });

  it('2.4 a ping of 125 bytes is fine', () => {
    const payload = Buffer.alloc(125, 0xfe);
    expectEvents(clientFrame({ opcode: Opcode.Ping, payload }), [{ type: 'ping', data: payload }]);
  });

  it('2.5 a ping of 126 bytes fails with 1002', () => {
    expectFailure(clientFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(126) }), 1002);
  });

  it('2.7/2.8 unsolicited pongs are reported, not errors', () => {
    expectEvents(clientFrame({ opcode: Opcode.Pong, payload: 'unsolicited' }), [
      { type: 'pong', data: Buffer.from('unsolicited') },
    ]);
  });

  it('2.10 ten pings in a row arrive in order', () => {
    const pings = Array.from({ length: 10 }, (_, i) => clientFrame({ opcode: Opcode.Ping, payload: `p${i}` }));
    expectEvents(
      Buffer.concat(pings),
      pings.map((_, i) => ({ type: 'ping', data: Buffer.from(`p${i}`) })),
    );
  });
});

describe('3 Reserved bits (§5.2)', () => {
  for (const rsv of [1, 2, 3, 4, 5, 6, 7]) {
    it(`3.${rsv} RSV=${rsv} on a text frame fails after the message before it`, () => {
      expectFailure(Buffer.concat([text('ok'), text('bad', { rsv })]), 1002, [message('ok')]);
    });
  }

  it('RSV bits on a ping fail', () => {
    expectFailure(clientFrame({ opcode: Opcode.Ping, rsv: 4 }), 1002);
  });

  it('RSV1 passes when an extension claimed it, and is reported on the message', () => {
    expectEvents(text('x', { rsv: 4 }), [{ ...message('x'), rsv: 4 }], { role: 'server', allowedRsv: 4 });
  });

  it('RSV bits on a continuation frame fail even when an extension claimed them', () => {
    const bytes = Buffer.concat([
      clientFrame({ opcode: Opcode.Text, payload: 'a', fin: false, rsv: 4 }),
      clientFrame({ opcode: Opcode.Continuation, payload: 'b', rsv: 4 }),
    ]);
    expectFailure(bytes, 1002, [], { role: 'server', allowedRsv: 4 });
  });
});

describe('4 Opcodes (§5.2)', () => {
  for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    it(`reserved opcode 0x${opcode.toString(16)} fails with 1002`, () => {
      expectFailure(Buffer.concat([text('ok'), clientFrame({ opcode, payload: 'x' })]), 1002, [message('ok')]);
    });
  }
});

describe('5 Fragmentation (§5.4)', () => {
  it('5.1/5.2 a fragmented ping or pong fails', () => {
    expectFailure(clientFrame({ opcode: Opcode.Ping, fin: false, payload: 'a' }), 1002);
    expectFailure(clientFrame({ opcode: Opcode.Pong, fin: false, payload: 'a' }), 1002);
  });

  it('5.3–5.5 a text message in two fragments', () => {
    const bytes = Buffer.concat([
      text('frag', { fin: false }),
      clientFrame({ opcode: Opcode.Continuation, payload: 'ment' }),
    ]);
    expectEvents(bytes, [message('fragment')]);
  });

  it('5.6–5.8 a ping between fragments is delivered first', () => {
    const bytes = Buffer.concat([
      text('frag', { fin: false }),
      clientFrame({ opcode: Opcode.Ping, payload: 'between' }),
      clientFrame({ opcode: Opcode.Continuation, payload: 'ment' }),
    ]);
    expectEvents(bytes, [{ type: 'ping', data: Buffer.from('between') }, message('fragment')]);
  });

  it('5.9–5.14 a continuation frame with nothing to continue fails', () => {
    expectFailure(clientFrame({ opcode: Opcode.Continuation, payload: 'x' }), 1002);
    expectFailure(clientFrame({ opcode: Opcode.Continuation, fin: false, payload: 'x' }), 1002);
    expectFailure(Buffer.concat([text('ok'), clientFrame({ opcode: Opcode.Continuation, payload: 'x' })]), 1002, [
      message('ok'),
    ]);
  });

  it('5.15–5.18 a new data frame inside a fragmented message fails', () => {
    expectFailure(Buffer.concat([text('a', { fin: false }), text('b')]), 1002);
    expectFailure(Buffer.concat([binary(Buffer.from('a'), { fin: false }), binary(Buffer.from('b'), { fin: false })]), 1002);
  });

  it('5.19/5.20 five fragments with pings between them', () => {
    const bytes = Buffer.concat([
      text('f1', { fin: false }),
      clientFrame({ opcode: Opcode.Continuation, fin: false, payload: 'f2' }),
      clientFrame({ opcode: Opcode.Ping, payload: 'p1' }),
      clientFrame({ opcode: Opcode.Continuation, fin: false, payload: 'f3' }),
      clientFrame({ opcode: Opcode.Continuation, fin: false, payload: 'f4' }),
      clientFrame({ opcode: Opcode.Ping, payload: 'p2' }),
      clientFrame({ opcode: Opcode.Continuation, payload: 'f5' }),
    ]);
    expectEvents(bytes, [
      { type: 'ping', data: Buffer.from('p1') },
      { type: 'ping', data: Buffer.from('p2') },
      message('f1f2f3f4f5'),
    ]);
  });

  it('zero-length fragments make an empty message', () => {
    const bytes = Buffer.concat([
      text('', { fin: false }),
      clientFrame({ opcode: Opcode.Continuation, fin: false }),
      clientFrame({ opcode: Opcode.Continuation }),
    ]);
    expectEvents(bytes, [message('')]);
  });

  it('4 MiB in 65,536 fragments of 64 bytes (Autobahn 9.3.x) passes with the defaults', () => {
    const frames: Buffer[] = [];
    const piece = Buffer.alloc(64, 0x61);
    for (let i = 0; i < 65536; i++) {
      frames.push(clientFrame({ opcode: i === 0 ? Opcode.Text : Opcode.Continuation, fin: i === 65535, payload: piece }));
    }
    const outcome = parseAll([Buffer.concat(frames)], server);
    expect(outcome.error).toBeUndefined();
    expect(outcome.events).toHaveLength(1);
    const [event] = outcome.events;
    expect(event.type === 'message' && event.data.length).toBe(4 * 1024 * 1024);
    expect(event.type === 'message' && event.data.every((byte) => byte === 0x61)).toBe(true);
  });
});

describe('6 UTF-8 handling (§8.1)', () => {
  const valid = ['', 'Hello-µ@ßöäüàá-UTF-8!!', 'κόσμε', '\u{10ffff}', '\u{10000}\u{7ff}\u{800}\u{ffff}', '\ud7ff\ue000'];
  for (const sample of valid) {
    it(`6.x accepts ${JSON.stringify(sample)} whole and split at every byte`, () => {
      const bytes = Buffer.from(sample);
      expectEvents(text(bytes), [message(bytes)]);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const fragments = Buffer.concat([
          text(bytes.subarray(0, cut), { fin: false }),
          clientFrame({ opcode: Opcode.Continuation, payload: bytes.subarray(cut) }),
        ]);
        expectEvents(fragments, [message(bytes)]);
      }
    });
  }

  const invalid: Array<[string, number[]]> = [
    ['a lone continuation byte', [0x80]],
    ['an overlong "/" in two bytes (C0 AF)', [0xc0, 0xaf]],
    ['an overlong three-byte form (E0 80 AF)', [0xe0, 0x80, 0xaf]],
    ['an overlong four-byte form (F0 80 80 AF)', [0xf0, 0x80, 0x80, 0xaf]],
    ['a UTF-16 surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['byte F5', [0xf5, 0x80, 0x80, 0x80]],
    ['byte FF', [0xff]],
    ['a code point cut short by the end of the message', [0x61, 0xe2, 0x82]],
    ['a missing continuation byte', [0xc3, 0x28]],
  ];
  for (const [name, bytes] of invalid) {
    it(`6.x rejects ${name} with 1007`, () => {
      expectFailure(text(Buffer.from(bytes)), 1007);
    });
  }

  it('6.4.1/6.4.2 fails on the first fragment, before the rest of the message arrives', () => {
    const first = text(Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xf4, 0x90]), {
      fin: false,
    });
    expectFailure(first, 1007);
  });

  it('6.4.3/6.4.4 fails in the middle of a frame whose payload is still arriving', () => {
    const frame = text(Buffer.concat([Buffer.from('κόσμε'), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.alloc(1000, 0x61)]));
    const events: unknown[] = [];
    const parser = new FrameParser({ role: 'server', onEvent: (event) => events.push(event) });
    const badByteAt = 8 + Buffer.byteLength('κόσμε') + 1; // header (2 + 2 length + 4 mask) + text + F4
    expect(() => parser.push(frame.subarray(0, badByteAt))).not.toThrow();
    expect(() => parser.push(frame.subarray(badByteAt, badByteAt + 1))).toThrow(ProtocolError);
  });

  it('does not check text whose first frame carries an extension RSV bit', () => {
    const bytes = text(Buffer.from([0xff]), { rsv: 4 });
    expectEvents(bytes, [{ ...message(Buffer.from([0xff])), rsv: 4 }], { role: 'server', allowedRsv: 4 });
  });

  it('binary messages are not checked', () => {
    expectEvents(binary(Buffer.from([0xff])), [message(Buffer.from([0xff]), true)]);
  });
});

describe('7 Close handling (§5.5.1, §7.4)', () => {
  const close = (payload?: Buffer) => clientFrame({ opcode: Opcode.Close, payload });
  const withCode = (code: number, reason = '') => {
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code);
    payload.write(reason, 2);
    return payload;
  };

  it('7.1.1/7.3.1 an empty close reports 1005', () => {
    expectEvents(close(), [{ type: 'close', code: 1005, reason: '' }]);
  });

  it('7.1.3–7.1.6 frames after a close are ignored', () => {
    expectEvents(Buffer.concat([close(withCode(1000)), text('after'), clientFrame({ opcode: Opcode.Ping })]), [
      { type: 'close', code: 1000, reason: '' },
    ]);
    expectEvents(Buffer.concat([close(withCode(1000)), Buffer.from([0xff, 0xff, 0xff])]), [
      { type: 'close', code: 1000, reason: '' },
    ]);
  });

  it('7.3.2 a 1-byte close payload fails with 1002', () => {
    expectFailure(close(Buffer.from([0x03])), 1002);
  });

  it('7.3.3–7.3.5 a code with a reason, up to 123 bytes of it', () => {
    expectEvents(close(withCode(1000, 'Hello World!')), [{ type: 'close', code: 1000, reason: 'Hello World!' }]);
    const longest = 'x'.repeat(123);
    expectEvents(close(withCode(1000, longest)), [{ type: 'close', code: 1000, reason: longest }]);
  });

  it('7.3.6 a close payload of 126 bytes fails with 1002', () => {
    expectFailure(close(withCode(1000, 'x'.repeat(124))), 1002);
  });

  it('7.5.1 a reason that is not UTF-8 fails with 1007', () => {
    expectFailure(close(Buffer.concat([withCode(1000), Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xf4, 0x90])])), 1007);
  });

  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
    it(`7.7.x accepts close code ${code}`, () => {
      expectEvents(close(withCode(code)), [{ type: 'close', code, reason: '' }]);
    });
  }

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`7.9.x rejects close code ${code} with 1002`, () => {
      expectFailure(close(withCode(code)), 1002);
    });
  }
});

describe('limits', () => {
  it('a frame larger than maxPayload fails with 1009 as soon as its header arrives', () => {
    const frame = binary(Buffer.alloc(1001));
    const parser = new FrameParser({ role: 'server', maxPayload: 1000, onEvent: () => {} });
    expect(() => parser.push(frame.subarray(0, 8))).toThrow(expect.objectContaining({ closeCode: 1009 }));
  });

  it('a message exactly maxPayload long passes', () => {
    expectEvents(binary(Buffer.alloc(1000)), [message(Buffer.alloc(1000), true)], { role: 'server', maxPayload: 1000 });
  });

  it('fragments that add up past maxPayload fail with 1009', () => {
    const bytes = Buffer.concat([
      binary(Buffer.alloc(600), { fin: false }),
      clientFrame({ opcode: Opcode.Continuation, payload: Buffer.alloc(600) }),
    ]);
    expectFailure(bytes, 1009, [], { role: 'server', maxPayload: 1000 });
  });

  it('more fragments than maxFragments fail with 1009, even empty ones', () => {
    const frames = [text('', { fin: false })];
    for (let i = 0; i < 10; i++) frames.push(clientFrame({ opcode: Opcode.Continuation, fin: false }));
    expectFailure(Buffer.concat(frames), 1009, [], { role: 'server', maxFragments: 10 });
  });

  it('a control frame does not count against maxPayload', () => {
    const bytes = Buffer.concat([clientFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(100) }), binary(Buffer.alloc(10))]);
    expectEvents(bytes, [{ type: 'ping', data: Buffer.alloc(100) }, message(Buffer.alloc(10), true)], {
      role: 'server',
      maxPayload: 10,
    });
  });
});

describe('the parser after an error or a close', () => {
  it('throws the same error again on every later push', () => {
    const parser = new FrameParser({ role: 'server', onEvent: () => {} });
    let first: unknown;
    try {
      parser.push(rawFrame({ opcode: 3, mask: [0, 0, 0, 0] }));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    expect(() => parser.push(text('x'))).toThrow(first as Error);
  });

  it('reports closed after a close frame', () => {
    const parser = new FrameParser({ role: 'server', onEvent: () => {} });
    expect(parser.closed).toBe(false);
    parser.push(clientFrame({ opcode: Opcode.Close }));
    expect(parser.closed).toBe(true);
  });

  it('lets an error thrown by the event handler through unchanged', () => {
    const parser = new FrameParser({
      role: 'server',
      onEvent: () => {
        throw new TypeError('handler bug');
      },
    });
    expect(() => parser.push(text('x'))).toThrow(TypeError);
  });

  it('reads a payload handed over as a plain Uint8Array', () => {
    const bytes = new Uint8Array(text('plain'));
    expect(parseAll([bytes], server).events).toEqual([message('plain')]);
  });
});

describe('atRest: when an owner may let the parser go', () => {
  const fresh = (): FrameParser => new FrameParser({ role: 'server', onEvent: () => {} });

  it('is at rest before any byte and after each whole message or control frame', () => {
    const parser = fresh();
    expect(parser.atRest).toBe(true);
    parser.push(text('hello'));
    expect(parser.atRest).toBe(true);
    parser.push(clientFrame({ opcode: Opcode.Ping, payload: 'x' }));
    expect(parser.atRest).toBe(true);
  });

  it('is not at rest inside a header, a payload or a fragmented message', () => {
    const frame = text('hello');
    const inHeader = fresh();
    inHeader.push(frame.subarray(0, 1));
    expect(inHeader.atRest).toBe(false);
    const inPayload = fresh();
    inPayload.push(frame.subarray(0, frame.length - 1));
    expect(inPayload.atRest).toBe(false);
    const inControl = fresh();
    const ping = clientFrame({ opcode: Opcode.Ping, payload: 'abc' });
    inControl.push(ping.subarray(0, ping.length - 1));
    expect(inControl.atRest).toBe(false);
    const inMessage = fresh();
    inMessage.push(text('first', { fin: false }));
    expect(inMessage.atRest).toBe(false);
    inMessage.push(clientFrame({ opcode: Opcode.Continuation, payload: ' half' }));
    expect(inMessage.atRest).toBe(true);
  });

  it('is never at rest after a close frame or an error, which a new parser would forget', () => {
    const closed = fresh();
    closed.push(clientFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8]) }));
    expect(closed.closed).toBe(true);
    expect(closed.atRest).toBe(false);
    const failed = fresh();
    expect(() => failed.push(rawFrame({ opcode: Opcode.Text, payload: 'unmasked' }))).toThrow(ProtocolError);
    expect(failed.atRest).toBe(false);
  });
});

describe('a frame budget per push: how an owner bounds the work done for one peer', () => {
  function recording(): { parser: FrameParser; events: ParserEvent[] } {
    const events: ParserEvent[] = [];
    return { parser: new FrameParser({ role: 'server', onEvent: (event) => events.push(event) }), events };
  }
  const frames = [text('a'), clientFrame({ opcode: Opcode.Ping, payload: 'p' }), text('b', { fin: false }), clientFrame({ opcode: Opcode.Continuation, payload: 'c' }), text('d')];

  it('stops after maxFrames whole frames and says how many bytes it read; the rest reads later', () => {
    const { parser, events } = recording();
    const stream = Buffer.concat(copies(frames));
    const read = parser.push(stream, 2);
    expect(read).toBe(frames[0].length + frames[1].length);
    expect(parser.framesRead).toBe(2);
    expect(events.map((event) => event.type)).toEqual(['message', 'ping']);
    // Control and continuation frames count as frames too: two more reach the end of 'bc'.
    const second = parser.push(stream.subarray(read), 2);
    expect(second).toBe(frames[2].length + frames[3].length);
    expect(parser.framesRead).toBe(2);
    expect(parser.push(stream.subarray(read + second))).toBe(frames[4].length);
    expect(parser.framesRead).toBe(1);
    expect(events.map((event) => (event.type === 'message' ? event.data.toString() : event.type))).toEqual(['a', 'ping', 'bc', 'd']);
  });

  it('counts only whole frames: a frame split over pushes counts once, where it ends', () => {
    const { parser } = recording();
    const frame = text('hello');
    expect(parser.push(Buffer.from(frame.subarray(0, 4)), 1)).toBe(4);
    expect(parser.framesRead).toBe(0);
    expect(parser.push(Buffer.from(frame.subarray(4)), 1)).toBe(frame.length - 4);
    expect(parser.framesRead).toBe(1);
  });

  it('takes every byte after a close frame, whatever the budget left (they are ignored, §5.5.1)', () => {
    const { parser, events } = recording();
    const stream = Buffer.concat(copies([clientFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8]) }), text('late'), text('later')]));
    expect(parser.push(stream, 5)).toBe(stream.length);
    expect(events.map((event) => event.type)).toEqual(['close']);
  });

  it('names the data message in progress with a number that changes per message, 0 between messages', () => {
    const { parser } = recording();
    expect(parser.messageInProgress).toBe(0);
    parser.push(Buffer.from(text('one', { fin: false })));
    const first = parser.messageInProgress;
    expect(first).toBeGreaterThan(0);
    // A ping between the fragments does not change which message is in progress.
    parser.push(Buffer.from(clientFrame({ opcode: Opcode.Ping, payload: 'x' })));
    expect(parser.messageInProgress).toBe(first);
    parser.push(Buffer.from(clientFrame({ opcode: Opcode.Continuation, payload: '!' })));
    expect(parser.messageInProgress).toBe(0);
    const partial = text('two');
    parser.push(Buffer.from(partial.subarray(0, partial.length - 1)));
    expect(parser.messageInProgress).not.toBe(0);
    expect(parser.messageInProgress).not.toBe(first);
  });
});

describe('whole payloads: views of the read, or copies up to copyUpTo', () => {
  function messagesOf(chunk: Buffer, copyUpTo: number): Buffer[] {
    const data: Buffer[] = [];
    const parser = new FrameParser({ role: 'server', copyUpTo, onEvent: (event) => event.type === 'message' && data.push(event.data) });
    parser.push(chunk);
    return data;
  }
  const read = (): Buffer => Buffer.concat([binary(Buffer.alloc(32, 7)), binary(Buffer.alloc(600, 9))]);

  it('hands up views by default on V8, and copies of payloads up to 512 bytes on JavaScriptCore', () => {
    expect(DEFAULT_COPY_UP_TO).toBe(onJavaScriptCore ? 512 : -1);
  });

  it('with copyUpTo 512, a 32-byte payload is a copy (the read can be reused) and a 600-byte one a view', () => {
    const chunk = read();
    const [small, large] = messagesOf(chunk, 512);
    expect(small.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(large.equals(Buffer.alloc(600, 9))).toBe(true);
    chunk.fill(0);
    expect(small.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(large.equals(Buffer.alloc(600))).toBe(true);
  });

  it('with copyUpTo -1, every whole payload is a view of the read', () => {
    const chunk = read();
    const [small] = messagesOf(chunk, -1);
    chunk.fill(0);
    expect(small.equals(Buffer.alloc(32))).toBe(true);
  });
});
