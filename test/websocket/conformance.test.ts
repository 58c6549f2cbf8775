import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Opcode, ProtocolError } from '../../src/protocol/websocket/index.js';
import { WebSocket, WebSocketServer } from '../../src/websocket/index.js';
import { clientFrame, hex, rawFrame } from '../support/raw-frame.js';
import { type RawWebSocketPeer, connectRawClient } from '../support/raw-websocket-client.js';
import { closeRawHttp2Sessions, connectRawHttp2Client } from '../support/raw-http2-client.js';
import { type Http2Server, createServer as createHttp2Server } from 'node:http2';
import { RawWebSocketServer } from '../support/raw-websocket-server.js';
import { SansIoServerPeer, type WebSocketTestPeer } from '../support/sans-io-peer.js';

// Conformance, modeled on the Autobahn|Testsuite case groups (1 framing,
// 2 pings/pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8,
// 7 closing, 9 limits, 10 misc). A raw client writes the exact frames each case
// describes to our echo server and checks the exact bytes that come back; then a
// raw server does the same to our client. Case numbers in the test names follow
// Autobahn's where a case has a counterpart there.
//
// Every server case runs twice: over real TCP against a WebSocketServer, and
// sans-I/O against the bare endpoint (WebSocketProtocol), bytes in and bytes out
// (test/support/sans-io-peer.ts). The same bytes must come back from both. Cases
// about TCP itself (bytes in the same write as the handshake) run over TCP only.
// A third time they run over one stream of an HTTP/2 connection (RFC 8441), where
// the frames are the same and only the carrier differs.

// ---- Frames ----

/** A masked client frame (fixed key, so the bytes are stable). */
const frame = (opcode: number, payload: string | Buffer = '', more: { fin?: boolean; rsv?: number } = {}): Buffer =>
  clientFrame({ opcode, payload, ...more });
const text = (payload: string | Buffer, fin = true): Buffer => frame(Opcode.Text, payload, { fin });
const binary = (payload: Buffer, fin = true): Buffer => frame(Opcode.Binary, payload, { fin });
const continuation = (payload: string | Buffer, fin = true): Buffer => frame(Opcode.Continuation, payload, { fin });
const ping = (payload: string | Buffer = ''): Buffer => frame(Opcode.Ping, payload);
const pong = (payload: string | Buffer = ''): Buffer => frame(Opcode.Pong, payload);
const close = (code?: number, reason: string | Buffer = ''): Buffer =>
  frame(Opcode.Close, code === undefined ? '' : Buffer.concat([u16(code), Buffer.from(reason)]));

/** What a server sends: the same frames, unmasked (§5.1). */
const server = (opcode: number, payload: string | Buffer = ''): Buffer => rawFrame({ opcode, payload });
const echoText = (payload: string | Buffer): Buffer => server(Opcode.Text, payload);
const echoBinary = (payload: Buffer): Buffer => server(Opcode.Binary, payload);
const serverPong = (payload: string | Buffer = ''): Buffer => server(Opcode.Pong, payload);

/** The server's answer to our close 1000: its echo (§5.5.1). */
const CLOSE_ECHO_1000 = hex('88 02 03 e8');

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

/** `size` bytes of printable ASCII, so a text payload is valid UTF-8. */
function ascii(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = 0x21 + (i % 94);
  return bytes;
}

/** `size` bytes covering every byte value. */
function bytesOf(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** Splits a payload into data frames of `size` bytes: the first with `opcode`, the rest continuations. */
function fragments(opcode: number, payload: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length || at === 0; at += size) {
    const end = Math.min(at + size, payload.length);
    out.push(frame(at === 0 ? opcode : Opcode.Continuation, payload.subarray(at, end), { fin: end === payload.length }));
    if (end === payload.length) break;
  }
  return out;
}

// ---- Sessions against our echo server ----

/** How the frames of a case travel (Autobahn's wording): in one write, one write per frame, one per byte, or chops of n bytes. */
type Delivery = 'whole' | 'frame-wise' | 'octet-wise' | number;

let port = 0;
let echoServer: WebSocketServer;
let http2Port = 0;
let http2Echo: WebSocketServer;
let http2Server: Http2Server;

beforeAll(async () => {
  echoServer = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false });
  echoServer.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  await once(echoServer, 'listening');
  port = (echoServer.address() as AddressInfo).port;
  http2Server = createHttp2Server();
  http2Echo = new WebSocketServer({ http2Server, heartbeat: false });
  http2Echo.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  http2Server.listen(0, '127.0.0.1');
  await once(http2Server, 'listening');
  http2Port = (http2Server.address() as AddressInfo).port;
});

afterAll(async () => {
  closeRawHttp2Sessions();
  await new Promise<void>((resolve) => echoServer.close(() => resolve()));
  await new Promise<void>((resolve) => http2Echo.close(() => resolve()));
  http2Server.close();
});

/** How a server case reaches our echo server: over TCP, or straight into the endpoint. */
interface ServerCarrier {
  name: string;
  tcp: boolean;
  http2?: boolean;
  connect: () => Promise<WebSocketTestPeer>;
}

const SERVER_CARRIERS: [string, ServerCarrier][] = [
  { name: 'over TCP', tcp: true, connect: () => connectRawClient(port) },
  { name: 'sans-I/O', tcp: false, connect: async () => new SansIoServerPeer() },
  { name: 'over an HTTP/2 stream', tcp: false, http2: true, connect: () => connectRawHttp2Client(http2Port) },
].map((carrier) => [carrier.name, carrier]);

async function deliver(client: WebSocketTestPeer, frames: Buffer[], how: Delivery): Promise<void> {
  if (how === 'whole') client.send(...frames);
  else if (how === 'frame-wise') for (const each of frames) await client.sendInChops(each, each.length);
  else await client.sendInChops(Buffer.concat(frames), how === 'octet-wise' ? 1 : how);
}

function expectBytes(actual: Buffer, expected: Buffer): void {
  if (expected.length <= 512) {
    expect(actual.toString('hex')).toBe(expected.toString('hex'));
  } else {
    // Large payloads: no megabyte-long diff, but still byte for byte.
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected)).toBe(true);
  }
}

/** The two usual shapes of a server case, for the sessions `connect` opens. */
function serverSessions(connect: () => Promise<WebSocketTestPeer>) {
  return {
    /**
     * Autobahn's usual case: the frames go in, and exactly `expected` comes back;
     * then a close 1000, which the server echoes before closing the TCP connection
     * (sans-I/O: before `closeTransport` turns true).
     */
    async expectEcho(frames: Buffer[], expected: Buffer[], how: Delivery = 'whole'): Promise<WebSocketTestPeer> {
      const client = await connect();
      await deliver(client, frames, how);
      client.send(close(1000));
      await client.untilClosed();
      expect(client.parseError).toBeUndefined();
      expectBytes(client.received, Buffer.concat([...expected, CLOSE_ECHO_1000]));
      return client;
    },

    /**
     * The server must fail the connection (§7.1.7): exactly `before` (echoes of what
     * was valid), then one close frame with `code`, then the end of the TCP connection.
     */
    async expectFailure(frames: Buffer[], code: number, before: Buffer[] = [], how: Delivery = 'whole'): Promise<void> {
      const client = await connect();
      await deliver(client, frames, how);
      await client.untilClosed();
      expectFailureBytes(client, code, before);
    },
  };
}

function expectFailureBytes(client: WebSocketTestPeer, code: number, before: Buffer[] = []): void {
  expect(client.parseError).toBeUndefined();
  const received = client.received;
  const prefix = Buffer.concat(before);
  expectBytes(received.subarray(0, prefix.length), prefix);
  const closing = received.subarray(prefix.length);
  // One unmasked close frame, FIN set, whose payload is the rest of the stream.
  expect(closing[0]).toBe(0x88);
  expect(closing[1]).toBe(closing.length - 2);
  expect(closing.readUInt16BE(2)).toBe(code);
  expect(client.closeFrame?.code).toBe(code);
}

/** Autobahn 7.7: codes a peer may send, echoed. 1012–1014 were registered after the RFC (IANA registry, §11.7). */
const VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
/** Autobahn 7.9 and 7.13: codes no one may send (reserved, unassigned, out of range); receiving one is a protocol error. */
const INVALID_CLOSE_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

// Markus Kuhn's UTF-8 decoder stress test, as Autobahn 6.5–6.23 uses it:
// group, whether the sequences are valid UTF-8, the sequences.
const KOSME = hex('ce ba e1 bd b9 cf 83 ce bc ce b5');
const UTF8_SEQUENCES: [string, boolean, Buffer[]][] = [
  ['6.5 some valid UTF-8', true, [KOSME]],
  ['6.6 prefixes of "κόσμε" (valid only at code point boundaries)', true, [2, 5, 7, 9, 11].map((n) => KOSME.subarray(0, n))],
  ['6.6 prefixes of "κόσμε" that end inside a code point', false, [1, 3, 4, 6, 8, 10].map((n) => KOSME.subarray(0, n))],
  ['6.7 first code point of each length', true, ['00', 'c2 80', 'e0 a0 80', 'f0 90 80 80'].map(hex)],
  ['6.8 first sequences of 5 and 6 bytes', false, ['f8 88 80 80 80', 'fc 84 80 80 80 80'].map(hex)],
  ['6.9 last code point of each length', true, ['7f', 'df bf', 'ef bf bf', 'f4 8f bf bf'].map(hex)],
  ['6.10 last sequences of 4 to 6 bytes, past U+10FFFF', false, ['f7 bf bf bf', 'fb bf bf bf bf', 'fd bf bf bf bf bf'].map(hex)],
  ['6.11 other valid boundary conditions', true, ['ed 9f bf', 'ee 80 80', 'ef bf bd', 'f4 8f bf bf'].map(hex)],
  ['6.11 just past U+10FFFF', false, [hex('f4 90 80 80')]],
  [
    '6.12 unexpected continuation bytes',
    false,
    [...['80', 'bf', '80 bf', '80 bf 80', '80 bf 80 bf', '80 bf 80 bf 80', '80 bf 80 bf 80 bf'].map(hex), range(0x80, 0xbf)],
  ],
  [
    '6.13 lonely start bytes, each followed by a space',
    false,
    [
      spaced(range(0xc0, 0xdf)),
      spaced(range(0xe0, 0xef)),
      spaced(range(0xf0, 0xf7)),
      spaced(range(0xf8, 0xfb)),
      spaced(range(0xfc, 0xfd)),
    ],
  ],
  ['6.14 sequences missing their last continuation byte', false, incomplete().map(hex)],
  ['6.15 concatenated incomplete sequences', false, [Buffer.concat(incomplete().map(hex))]],
  ['6.16 impossible bytes', false, ['fe', 'ff', 'fe fe ff ff'].map(hex)],
  ['6.17 overlong "/"', false, ['c0 af', 'e0 80 af', 'f0 80 80 af', 'f8 80 80 80 af', 'fc 80 80 80 80 af'].map(hex)],
  ['6.18 maximal overlong sequences', false, ['c1 bf', 'e0 9f bf', 'f0 8f bf bf', 'f8 87 bf bf bf', 'fc 83 bf bf bf bf'].map(hex)],
  ['6.19 overlong NUL', false, ['c0 80', 'e0 80 80', 'f0 80 80 80', 'f8 80 80 80 80', 'fc 80 80 80 80 80'].map(hex)],
  [
    '6.20 single UTF-16 surrogates',
    false,
    ['ed a0 80', 'ed ad bf', 'ed ae 80', 'ed af bf', 'ed b0 80', 'ed be 80', 'ed bf bf'].map(hex),
  ],
  [
    '6.21 paired UTF-16 surrogates',
    false,
    ['a0 80', 'a0 80', 'ad bf', 'ad bf', 'ae 80', 'ae 80', 'af bf', 'af bf'].map((high, i) =>
      hex(`ed ${high} ed ${i % 2 === 0 ? 'b0 80' : 'bf bf'}`),
    ),
  ],
  ['6.22 noncharacters (valid UTF-8)', true, nonCharacters()],
  ['6.23 U+FFFD and a byte order mark', true, ['ef bf bd', 'ef bb bf'].map(hex)],
];

// ---- Our server ----

describe.each(SERVER_CARRIERS)('our server %s, against a raw client', (_, { tcp, http2, connect }) => {
  const { expectEcho, expectFailure } = serverSessions(connect);

  describe('1 Framing', () => {
    const sizes = [0, 125, 126, 127, 128, 65535, 65536];
    sizes.forEach((size, index) => {
      it(`1.1.${index + 1} text message of ${size} bytes`, async () => {
        await expectEcho([text(ascii(size))], [echoText(ascii(size))]);
      });
    });
    it('1.1.8 text message of 65536 bytes sent in chops of 997 bytes', async () => {
      await expectEcho([text(ascii(65536))], [echoText(ascii(65536))], 997);
    });
    sizes.forEach((size, index) => {
      it(`1.2.${index + 1} binary message of ${size} bytes`, async () => {
        await expectEcho([binary(bytesOf(size))], [echoBinary(bytesOf(size))]);
      });
    });
    it('1.2.8 binary message of 65536 bytes sent in chops of 997 bytes', async () => {
      await expectEcho([binary(bytesOf(65536))], [echoBinary(bytesOf(65536))], 997);
    });
    it('a length in a longer form than needed is accepted (the minimal-form MUST binds the sender, §5.2)', async () => {
      const padded = clientFrame({ opcode: Opcode.Text, payload: 'Hello', lengthForm: 64 });
      await expectEcho([padded], [echoText('Hello')]);
    });
    if (tcp) {
      it('frames sent in the same write as the handshake request are read once the connection is open', async () => {
        const client = await connectRawClient(port, { early: Buffer.concat([text('early'), ping('p')]) });
        client.send(close(1000));
        await client.untilClosed();
        expectBytes(client.received, Buffer.concat([echoText('early'), serverPong('p'), CLOSE_ECHO_1000]));
      });
    } else if (!http2) {
      it('the carrier lets the endpoint go whenever it is at rest, and a new one reads on: nothing is lost', async () => {
        const client = new SansIoServerPeer();
        // Split mid-frame, so one endpoint must carry the half-read frame over.
        await client.sendInChops(Buffer.concat([text('one'), ping('p'), binary(bytesOf(3)), close(1000)]), 5);
        expectBytes(client.received, Buffer.concat([echoText('one'), serverPong('p'), echoBinary(bytesOf(3)), CLOSE_ECHO_1000]));
        expect(client.isOpen).toBe(false);
        expect(client.endpointsMade).toBeGreaterThan(1);
      });
    }
    it('an unmasked client frame fails the connection with 1002 (§5.1)', async () => {
      await expectFailure([rawFrame({ opcode: Opcode.Text, payload: 'Hello' })], 1002);
    });
    it('a 64-bit length with the most significant bit set fails with 1002 (§5.2)', async () => {
      const huge = rawFrame({ opcode: Opcode.Binary, mask: [1, 2, 3, 4], length: 2 ** 63, lengthForm: 64 });
      await expectFailure([huge], 1002);
    });
  });

  describe('2 Pings and pongs', () => {
    it('2.1 a ping without payload gets a pong without payload', async () => {
      await expectEcho([ping()], [serverPong()]);
    });
    it('2.2 a ping with a small text payload gets it back in the pong', async () => {
      await expectEcho([ping('Hello, world!')], [serverPong('Hello, world!')]);
    });
    it('2.3 a ping with a small binary payload gets it back in the pong', async () => {
      const payload = hex('00 ff fe fd fc fb 00 ff');
      await expectEcho([ping(payload)], [serverPong(payload)]);
    });
    it('2.4 a ping with a 125-byte payload gets it back in the pong', async () => {
      await expectEcho([ping(Buffer.alloc(125, 0xfe))], [serverPong(Buffer.alloc(125, 0xfe))]);
    });
    it('2.5 a ping with a 126-byte payload fails with 1002 (§5.5)', async () => {
      await expectFailure([ping(Buffer.alloc(126, 0xfe))], 1002);
    });
    it('2.6 a ping with a 125-byte payload sent octet by octet gets its pong', async () => {
      await expectEcho([ping(Buffer.alloc(125, 0xfe))], [serverPong(Buffer.alloc(125, 0xfe))], 'octet-wise');
    });
    it('2.7 an unsolicited pong without payload gets no answer', async () => {
      await expectEcho([pong()], []);
    });
    it('2.8 an unsolicited pong with payload gets no answer', async () => {
      await expectEcho([pong('unsolicited pong payload')], []);
    });
    it('2.9 an unsolicited pong, then a ping: one pong, for the ping', async () => {
      await expectEcho([pong('unsolicited pong payload'), ping('ping payload')], [serverPong('ping payload')]);
    });
    const tenPings = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
    it('2.10 ten pings in a row get ten pongs, in order', async () => {
      await expectEcho(tenPings.map((payload) => ping(payload)), tenPings.map((payload) => serverPong(payload)));
    });
    it('2.11 ten pings sent octet by octet get ten pongs, in order', async () => {
      await expectEcho(
        tenPings.map((payload) => ping(payload)),
        tenPings.map((payload) => serverPong(payload)),
        'octet-wise',
      );
    });
  });

  describe('3 Reserved bits (§5.2: no extension negotiated, so RSV must be 0)', () => {
    const hello = 'Hello, world!';
    it('3.1 a text message with RSV = 1 fails with 1002', async () => {
      await expectFailure([frame(Opcode.Text, hello, { rsv: 1 })], 1002);
    });
    const cases: [string, number, Delivery][] = [
      ['3.2', 2, 'whole'],
      ['3.3', 3, 'frame-wise'],
      ['3.4', 4, 'octet-wise'],
    ];
    for (const [name, rsv, how] of cases) {
      it(`${name} a valid text message, then one with RSV = ${rsv}, then a ping (${how}): echo, then 1002, no pong`, async () => {
        await expectFailure([text(hello), frame(Opcode.Text, hello, { rsv }), ping(hello)], 1002, [echoText(hello)], how);
      });
    }
    it('3.5 a binary message with RSV = 5 fails with 1002', async () => {
      await expectFailure([frame(Opcode.Binary, bytesOf(8), { rsv: 5 })], 1002);
    });
    it('3.6 a ping with RSV = 6 fails with 1002', async () => {
      await expectFailure([frame(Opcode.Ping, hello, { rsv: 6 })], 1002);
    });
    it('3.7 a close with RSV = 7 fails with 1002', async () => {
      await expectFailure([frame(Opcode.Close, u16(1000), { rsv: 7 })], 1002);
    });
  });

  describe('4 Opcodes (§5.2: reserved opcodes fail the connection)', () => {
    const hello = 'Hello, world!';
    const groups: [string, number[]][] = [
      ['4.1 non-control', [3, 4, 5, 6, 7]],
      ['4.2 control', [0xb, 0xc, 0xd, 0xe, 0xf]],
    ];
    for (const [group, opcodes] of groups) {
      opcodes.forEach((opcode, index) => {
        const name = `${group.split(' ')[0]}.${index + 1}`;
        const payload = index % 2 === 0 ? '' : 'reserved opcode payload';
        if (index < 2) {
          it(`${name} ${group} opcode ${opcode} fails with 1002`, async () => {
            await expectFailure([frame(opcode, payload)], 1002);
          });
        } else {
          it(`${name} a text message, ${group} opcode ${opcode}, a ping: echo, then 1002, no pong`, async () => {
            await expectFailure([text(hello), frame(opcode, payload), ping(hello)], 1002, [echoText(hello)]);
          });
        }
      });
    }
  });

  describe('5 Fragmentation (§5.4)', () => {
    it('5.1 a ping in two fragments fails with 1002 (control frames are never fragmented)', async () => {
      await expectFailure([frame(Opcode.Ping, 'fragment1', { fin: false }), continuation('fragment2')], 1002);
    });
    it('5.2 a pong in two fragments fails with 1002', async () => {
      await expectFailure([frame(Opcode.Pong, 'fragment1', { fin: false }), continuation('fragment2')], 1002);
    });
    const ways: Delivery[] = ['whole', 'frame-wise', 'octet-wise'];
    ways.forEach((how, index) => {
      it(`5.${3 + index} a text message in two fragments (${how}) is echoed whole`, async () => {
        await expectEcho([text('fragment1', false), continuation('fragment2')], [echoText('fragment1fragment2')], how);
      });
    });
    ways.forEach((how, index) => {
      it(`5.${6 + index} a ping between two fragments (${how}): its pong first, then the message`, async () => {
        await expectEcho(
          [text('fragment1', false), ping('ping payload'), continuation('fragment2')],
          [serverPong('ping payload'), echoText('fragment1fragment2')],
          how,
        );
      });
    });
    ways.forEach((how, index) => {
      it(`5.${9 + index} a final continuation with nothing to continue, then a text message (${how}): 1002`, async () => {
        await expectFailure([continuation('non-continuation payload'), text('Hello, world!')], 1002, [], how);
      });
    });
    ways.forEach((how, index) => {
      it(`5.${12 + index} a non-final continuation with nothing to continue, then a text message (${how}): 1002`, async () => {
        await expectFailure([continuation('non-continuation payload', false), text('Hello, world!')], 1002, [], how);
      });
    });
    it('5.15 a message in two fragments, then a stray continuation: echo, then 1002', async () => {
      await expectFailure(
        [text('fragment1', false), continuation('fragment2'), continuation('fragment3', false), text('fragment4')],
        1002,
        [echoText('fragment1fragment2')],
      );
    });
    for (const [name, firstFin] of [['5.16', false], ['5.17', true]] as const) {
      it(`${name} a message whose first frame is a continuation (FIN = ${firstFin}): 1002`, async () => {
        const sequence = [continuation('fragment1', firstFin), text('fragment2', false), continuation('fragment3')];
        await expectFailure([...sequence, ...sequence], 1002);
      });
    }
    it('5.18 a message in two fragments that are both text frames: 1002', async () => {
      await expectFailure([text('fragment1', false), text('fragment2')], 1002);
    });
    for (const [name, how] of [['5.19', 'frame-wise'], ['5.20', 'octet-wise']] as const) {
      it(`${name} a text message in 5 fragments with 2 pings in between (${how}): each pong comes while the message is still open`, async () => {
        const client = await connect();
        await deliver(client, [text('fragment1', false), continuation('fragment2', false), ping('pongme 1!')], how);
        await client.until(() => client.events.length === 1);
        await deliver(client, [continuation('fragment3', false), ping('pongme 2!'), continuation('fragment4', false)], how);
        await client.until(() => client.events.length === 2);
        await deliver(client, [continuation('fragment5'), close(1000)], how);
        await client.untilClosed();
        expectBytes(
          client.received,
          Buffer.concat([
            serverPong('pongme 1!'),
            serverPong('pongme 2!'),
            echoText('fragment1fragment2fragment3fragment4fragment5'),
            CLOSE_ECHO_1000,
          ]),
        );
      });
    }
  });

  describe('6 UTF-8 handling (§5.6, §8.1: invalid text fails with 1007)', () => {
    it('6.1.1 an empty text message is echoed', async () => {
      await expectEcho([text('')], [echoText('')]);
    });
    it('6.1.2 a text message of three empty fragments is echoed as one empty message', async () => {
      await expectEcho([text('', false), continuation('', false), continuation('')], [echoText('')]);
    });
    it('6.1.3 empty first and last fragments around a non-empty one', async () => {
      await expectEcho(
        [text('', false), continuation('middle frame payload', false), continuation('')],
        [echoText('middle frame payload')],
      );
    });

    const mixed = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!');
    it('6.2.1 valid UTF-8 in one frame', async () => {
      await expectEcho([text(mixed)], [echoText(mixed)]);
    });
    it('6.2.2 valid UTF-8 in fragments split at code point boundaries', async () => {
      const cut = Buffer.from('Hello-µ@ßö').length;
      await expectEcho([text(mixed.subarray(0, cut), false), continuation(mixed.subarray(cut))], [echoText(mixed)]);
    });
    it('6.2.3 valid UTF-8 in one frame, sent octet by octet', async () => {
      await expectEcho([text(mixed)], [echoText(mixed)], 'octet-wise');
    });
    it('6.2.4 "κόσμε" sent octet by octet', async () => {
      await expectEcho([text(KOSME)], [echoText(KOSME)], 'octet-wise');
    });
    const kosmeBroken = kosmeWithSurrogate();
    it('6.3.1 invalid UTF-8 (a surrogate) in one frame: 1007', async () => {
      await expectFailure([text(kosmeBroken)], 1007);
    });
    it('6.3.2 the same, sent octet by octet: 1007', async () => {
      await expectFailure([text(kosmeBroken)], 1007, [], 'octet-wise');
    });

    describe('6.4 fail fast: the connection fails where the text stops being UTF-8, without waiting for the rest', () => {
      it('6.4.1 a valid first fragment, then a fragment of a code point past U+10FFFF; no third fragment', async () => {
        const client = await connect();
        client.send(text(KOSME, false));
        client.send(continuation(hex('f4 90 80 80'), false));
        await client.untilClosed();
        expectFailureBytes(client, 1007);
      });
      it('6.4.2 the bad code point split across the fragments (f4 | 90); no third fragment', async () => {
        const client = await connect();
        client.send(text(Buffer.concat([KOSME, hex('f4')]), false));
        client.send(continuation(hex('90'), false));
        await client.untilClosed();
        expectFailureBytes(client, 1007);
      });
      it('6.4.3 one frame, of which only the valid start and the bad bytes are sent', async () => {
        const payload = Buffer.concat([KOSME, hex('f4 90 80 80'), Buffer.from('edited')]);
        const whole = text(payload);
        const headerSize = 6;
        const client = await connect();
        await client.sendInChops(whole.subarray(0, headerSize + KOSME.length), 1024);
        await client.sendInChops(whole.subarray(headerSize + KOSME.length, headerSize + KOSME.length + 4), 1024);
        await client.untilClosed();
        expectFailureBytes(client, 1007);
      });
      it('6.4.4 the same, with the bad code point cut after its first byte', async () => {
        const payload = Buffer.concat([KOSME, hex('f4 90 80 80'), Buffer.from('edited')]);
        const whole = text(payload);
        const headerSize = 6;
        const client = await connect();
        await client.sendInChops(whole.subarray(0, headerSize + KOSME.length + 1), 1024);
        await client.sendInChops(whole.subarray(headerSize + KOSME.length + 1, headerSize + KOSME.length + 2), 1024);
        await client.untilClosed();
        expectFailureBytes(client, 1007);
      });
      it('a first fragment that is already invalid (overlong "/") fails at once', async () => {
        const client = await connect();
        client.send(text(hex('c0 af'), false));
        await client.untilClosed();
        expectFailureBytes(client, 1007);
      });
    });

    // Each sequence goes as one frame, as one-byte fragments, and as one frame
    // sent octet by octet.
    for (const [group, valid, payloads] of UTF8_SEQUENCES) {
      describe(group, () => {
        payloads.forEach((payload, index) => {
          it(`${index + 1}: ${payload.length > 16 ? `${payload.length} bytes` : payload.toString('hex')} is ${valid ? 'echoed' : 'refused with 1007'}`, async () => {
            const oneFrame = [text(payload)];
            const byteFragments = fragments(Opcode.Text, payload, 1);
            if (valid) {
              await Promise.all([
                expectEcho(oneFrame, [echoText(payload)]),
                expectEcho(byteFragments, [echoText(payload)]),
                expectEcho(oneFrame, [echoText(payload)], 'octet-wise'),
              ]);
            } else {
              await Promise.all([
                expectFailure(oneFrame, 1007),
                expectFailure(byteFragments, 1007),
                expectFailure(oneFrame, 1007, [], 'octet-wise'),
              ]);
            }
          });
        });
      });
    }
  });

  describe('7 Close handling (§5.5.1, §7)', () => {
    it('7.1.1 a text message, then a close: echo, then the close echoed', async () => {
      await expectEcho([text('Hello World!')], [echoText('Hello World!')]);
    });
    it('7.1.2 a second close frame is ignored', async () => {
      const client = await connect();
      client.send(close(1000), close(1000));
      await client.untilClosed();
      expectBytes(client.received, CLOSE_ECHO_1000);
    });
    it('7.1.3 a ping after the close gets no pong', async () => {
      const client = await connect();
      client.send(close(1000), ping('Hello World!'));
      await client.untilClosed();
      expectBytes(client.received, CLOSE_ECHO_1000);
    });
    it('7.1.4 a text message after the close is not echoed', async () => {
      const client = await connect();
      client.send(close(1000), text('Hello World!'));
      await client.untilClosed();
      expectBytes(client.received, CLOSE_ECHO_1000);
    });
    it('7.1.5 a close between two fragments: the message is never delivered', async () => {
      const client = await connect();
      client.send(text('fragment1', false), close(1000), continuation('fragment2'));
      await client.untilClosed();
      expectBytes(client.received, CLOSE_ECHO_1000);
    });
    it('7.1.6 a 256 KiB message and a small one, then a close: a clean close after the echoes', async () => {
      const big = ascii(256 * 1024);
      await expectEcho([text(big), text('Hello World!')], [echoText(big), echoText('Hello World!')]);
    });
    it('7.3.1 a close without payload is echoed without payload (1005 is never sent, §7.4.1)', async () => {
      const client = await connect();
      client.send(close());
      await client.untilClosed();
      expectBytes(client.received, hex('88 00'));
    });
    it('7.3.2 a close with a 1-byte payload fails with 1002', async () => {
      await expectFailure([frame(Opcode.Close, hex('03'))], 1002);
    });
    it('7.3.3 a close with code 1000 and no reason', async () => {
      await expectEcho([], []);
    });
    it('7.3.4 a close with code 1000 and a reason: the code is echoed', async () => {
      const client = await connect();
      client.send(close(1000, 'Hello World!'));
      await client.untilClosed();
      expectBytes(client.received, CLOSE_ECHO_1000);
    });
    it('7.3.5 a close with a 123-byte reason (the largest that fits)', async () => {
      const client = await connect();
      client.send(close(1000, ascii(123)));
      await client.untilClosed();
      expectBytes(client.received, CLOSE_ECHO_1000);
    });
    it('7.3.6 a close with a 124-byte reason (a 126-byte control frame) fails with 1002', async () => {
      await expectFailure([close(1000, ascii(124))], 1002);
    });
    it('7.5.1 a close whose reason is not UTF-8 fails with 1007', async () => {
      await expectFailure([close(1000, kosmeWithSurrogate())], 1007);
    });
    for (const code of VALID_CLOSE_CODES) {
      it(`7.7 close code ${code} is echoed`, async () => {
        const client = await connect();
        client.send(close(code, 'reason'));
        await client.untilClosed();
        expectBytes(client.received, Buffer.concat([hex('88 02'), u16(code)]));
      });
    }
    for (const code of INVALID_CLOSE_CODES) {
      it(`7.9/7.13 close code ${code} may not be sent: 1002`, async () => {
        await expectFailure([close(code)], 1002);
      });
    }
  });

  describe('9 Limits and performance (default options)', () => {
    const sizes = [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
    sizes.forEach((size, index) => {
      it(`9.1.${index + 1} a text message of ${size / 1024} KiB in one frame`, async () => {
        await expectEcho([text(ascii(size))], [echoText(ascii(size))]);
      });
      it(`9.2.${index + 1} a binary message of ${size / 1024} KiB in one frame`, async () => {
        await expectEcho([binary(bytesOf(size))], [echoBinary(bytesOf(size))]);
      });
    });
    const fourMiB = 4 * 1024 * 1024;
    [64, 4096, 65536, 1024 * 1024].forEach((size, index) => {
      it(`9.3.${index + 1} a 4 MiB text message in fragments of ${size} bytes`, async () => {
        await expectEcho(fragments(Opcode.Text, ascii(fourMiB), size), [echoText(ascii(fourMiB))]);
      });
      it(`9.4.${index + 1} a 4 MiB binary message in fragments of ${size} bytes`, async () => {
        await expectEcho(fragments(Opcode.Binary, bytesOf(fourMiB), size), [echoBinary(bytesOf(fourMiB))]);
      });
    });
    [64, 4096].forEach((chop, index) => {
      it(`9.5.${index + 1} a 1 MiB text message sent in chops of ${chop} bytes`, async () => {
        await expectEcho([text(ascii(1024 * 1024))], [echoText(ascii(1024 * 1024))], chop);
      });
      it(`9.6.${index + 1} a 1 MiB binary message sent in chops of ${chop} bytes`, async () => {
        await expectEcho([binary(bytesOf(1024 * 1024))], [echoBinary(bytesOf(1024 * 1024))], chop);
      });
    });
    for (const [name, binaryData, size] of [['9.7', false, 16], ['9.8', true, 256]] as const) {
      it(`${name} 1000 ${binaryData ? 'binary' : 'text'} messages of ${size} bytes, each waiting for its echo`, async () => {
        const client = await connect();
        const payloadOf = (i: number): Buffer => {
          const payload = binaryData ? bytesOf(size) : ascii(size);
          payload.write(String(i).padStart(4, '0'));
          return payload;
        };
        for (let i = 0; i < 1000; i++) {
          client.send(binaryData ? binary(payloadOf(i)) : text(payloadOf(i)));
          await client.until(() => client.events.length === i + 1);
        }
        client.send(close(1000));
        await client.untilClosed();
        expect(client.messages).toEqual(Array.from({ length: 1000 }, (_, i) => ({ binary: binaryData, data: payloadOf(i) })));
      });
    }
  });

  describe('10 Miscellaneous', () => {
    it('10.1.1 a 64 KiB text message auto-fragmented into 1300-byte frames is echoed as one message', async () => {
      const payload = ascii(65536);
      await expectEcho(fragments(Opcode.Text, payload, 1300), [echoText(payload)]);
    });
  });
});

// ---- Limits below the defaults ----

describe.each(SERVER_CARRIERS.filter(([, carrier]) => !carrier.http2))('our server %s with small limits (maxPayload 1024, maxFragments 4)', (_, { tcp }) => {
  let limitedPort = 0;
  let limited: WebSocketServer | undefined;
  beforeAll(async () => {
    if (!tcp) return;
    limited = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, maxPayload: 1024, maxFragments: 4 });
    limited.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
    await once(limited, 'listening');
    limitedPort = (limited.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (limited ? limited.close(() => resolve()) : resolve()));
  });

  async function session(frames: Buffer[]): Promise<WebSocketTestPeer> {
    const client = tcp ? await connectRawClient(limitedPort) : new SansIoServerPeer({ maxPayload: 1024, maxFragments: 4 });
    client.send(...frames);
    return client;
  }

  it('1024 bytes in 4 fragments are echoed', async () => {
    const client = await session([...fragments(Opcode.Binary, bytesOf(1024), 256), close(1000)]);
    await client.untilClosed();
    expectBytes(client.received, Buffer.concat([echoBinary(bytesOf(1024)), CLOSE_ECHO_1000]));
  });
  it('a frame announcing 1025 bytes fails with 1009 before its payload arrives', async () => {
    const header = binary(bytesOf(1025)).subarray(0, 8);
    const client = await session([header]);
    await client.untilClosed();
    expectFailureBytes(client, 1009);
  });
  it('fragments adding up to 1025 bytes fail with 1009', async () => {
    const client = await session(fragments(Opcode.Binary, bytesOf(1025), 512));
    await client.untilClosed();
    expectFailureBytes(client, 1009);
  });
  it('a message in 5 fragments fails with 1009', async () => {
    const client = await session(fragments(Opcode.Text, ascii(5), 1));
    await client.untilClosed();
    expectFailureBytes(client, 1009);
  });
});

// ---- Our client, against a raw server ----

describe('our client, against a raw server', () => {
  let raw: RawWebSocketServer;
  beforeAll(async () => {
    raw = await RawWebSocketServer.listen((head) => {
      const protocol = /^x-answer-protocol:\s*(\S+)/im.exec(head)?.[1];
      return {
        headers: protocol === undefined ? [] : [`Sec-WebSocket-Protocol: ${protocol}`],
        frames: /^x-early-frames: yes/im.test(head) ? Buffer.concat([server(Opcode.Text, 'early'), server(Opcode.Ping, 'p')]) : undefined,
      };
    });
  });
  afterAll(async () => {
    await raw.close();
  });

  interface Observed {
    messages: { data: Buffer; isBinary: boolean }[];
    pings: Buffer[];
    errors: Error[];
    closed: Promise<{ code: number; reason: string; wasClean: boolean }>;
  }

  /** Opens our client against the raw server; returns it, the raw peer, and what the client reports. */
  async function open(
    headers: Record<string, string> = {},
    protocols?: string[],
  ): Promise<{ ws: WebSocket; peer: RawWebSocketPeer; seen: Observed }> {
    const ws = new WebSocket(raw.url, protocols, { headers, closeTimeout: 2000 });
    const seen: Observed = {
      messages: [],
      pings: [],
      errors: [],
      closed: new Promise((resolve) => ws.on('close', (code: number, reason: string, wasClean: boolean) => resolve({ code, reason, wasClean }))),
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => seen.messages.push({ data: Buffer.from(data), isBinary }));
    ws.on('ping', (data: Buffer) => seen.pings.push(Buffer.from(data)));
    ws.on('error', (error: Error) => seen.errors.push(error));
    const peer = await raw.nextPeer();
    await once(ws, 'open');
    return { ws, peer, seen };
  }

  /** Resolves once our client has reported `count` messages in all. */
  function untilMessages(ws: WebSocket, seen: Observed, count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (seen.messages.length < count) return;
        ws.off('message', check);
        resolve();
      };
      ws.on('message', check);
      check();
    });
  }

  /**
   * Our client must fail the connection (§7.1.7): after `before` (the messages
   * that were valid), a masked close frame with `code` as the last thing it
   * sends, then 'error' and 'close' with 1006, as the WHATWG "fail the
   * WebSocket connection" has it.
   */
  async function expectClientFailure(frames: Buffer[], code: number, before: { data: Buffer; isBinary: boolean }[] = [], how: Delivery = 'whole'): Promise<void> {
    const { peer, seen } = await open();
    await deliver(peer, frames, how);
    await peer.until(() => peer.closeFrame !== undefined);
    expect(peer.parseError).toBeUndefined();
    expect(peer.closeFrame?.code).toBe(code);
    const outcome = await seen.closed;
    expect(outcome).toEqual({ code: 1006, reason: '', wasClean: false });
    // All our client sent was that close frame: no pong for a ping that came after the fault, nothing after it.
    await peer.closed;
    const sent = peer.received;
    expect(sent[0]).toBe(0x88);
    expect(sent.length).toBe(6 + (sent[1] & 0x7f));
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toBeInstanceOf(ProtocolError);
    expect((seen.errors[0] as ProtocolError).closeCode).toBe(code);
    expect(seen.messages).toEqual(before);
  }

  /** Our client's clean close, answered by the raw server: close echo, then the server ends TCP. */
  async function closeCleanly(ws: WebSocket, peer: RawWebSocketPeer, seen: Observed): Promise<void> {
    ws.close(1000);
    await peer.until(() => peer.closeFrame !== undefined);
    peer.send(server(Opcode.Close, u16(1000)));
    peer.end();
    expect(await seen.closed).toEqual({ code: 1000, reason: '', wasClean: true });
    expect(seen.errors).toEqual([]);
  }

  /** The masked frames our client sent: opcode byte, then the MASK bit set on every one (§5.3). */
  function expectMaskedFrames(bytes: Buffer, frames: { opcode: number; length: number }[]): void {
    let at = 0;
    for (const { opcode, length } of frames) {
      expect(bytes[at]).toBe(0x80 | opcode);
      expect(bytes[at + 1]).toBe(0x80 | length);
      at += 6 + length;
    }
    expect(at).toBe(bytes.length);
  }

  describe('1 Framing', () => {
    for (const how of ['whole', 997] as const) {
      it(`1.1/1.2 text and binary messages of 0 to 65536 bytes (${how === 'whole' ? 'in one write' : `in chops of ${how} bytes`})`, async () => {
        const { ws, peer, seen } = await open();
        const sizes = [0, 125, 126, 127, 128, 65535, 65536];
        await deliver(peer, sizes.flatMap((size) => [server(Opcode.Text, ascii(size)), server(Opcode.Binary, bytesOf(size))]), how);
        await untilMessages(ws, seen, sizes.length * 2);
        expect(seen.messages).toEqual(sizes.flatMap((size) => [{ data: ascii(size), isBinary: false }, { data: bytesOf(size), isBinary: true }]));
        await closeCleanly(ws, peer, seen);
      });
    }
    it('frames sent in the same write as the 101 response are not lost', async () => {
      const { ws, peer, seen } = await open({ 'X-Early-Frames': 'yes' });
      await peer.until(() => peer.events.length === 1);
      expect(seen.messages).toEqual([{ data: Buffer.from('early'), isBinary: false }]);
      expect(peer.events[0]).toEqual({ type: 'pong', data: Buffer.from('p') });
      await closeCleanly(ws, peer, seen);
    });
    it('a masked server frame fails the connection with 1002 (§5.1)', async () => {
      await expectClientFailure([rawFrame({ opcode: Opcode.Text, payload: 'Hello', mask: [1, 2, 3, 4] })], 1002);
    });
  });

  describe('2 Pings and pongs', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('Hello, world!'), hex('00 ff fe fd fc fb 00 ff'), Buffer.alloc(125, 0xfe)];
    for (const how of ['whole', 'octet-wise'] as const) {
      it(`2.1–2.4, 2.6 pings (${how}) get masked pongs with the same payload, in order`, async () => {
        const { ws, peer, seen } = await open();
        await deliver(peer, payloads.map((payload) => server(Opcode.Ping, payload)), how);
        await peer.until(() => peer.events.length === payloads.length);
        expect(peer.events).toEqual(payloads.map((data) => ({ type: 'pong', data })));
        expectMaskedFrames(peer.received, payloads.map((payload) => ({ opcode: Opcode.Pong, length: payload.length })));
        expect(seen.pings).toEqual(payloads);
        await closeCleanly(ws, peer, seen);
      });
    }
    it('2.7–2.9 unsolicited pongs get no answer; a ping after them does', async () => {
      const { ws, peer, seen } = await open();
      const pongs: Buffer[] = [];
      ws.on('pong', (data: Buffer) => pongs.push(Buffer.from(data)));
      peer.send(server(Opcode.Pong), server(Opcode.Pong, 'unsolicited pong payload'), server(Opcode.Ping, 'ping payload'));
      await peer.until(() => peer.events.length === 1);
      expect(peer.events).toEqual([{ type: 'pong', data: Buffer.from('ping payload') }]);
      expect(pongs).toEqual([Buffer.alloc(0), Buffer.from('unsolicited pong payload')]);
      await closeCleanly(ws, peer, seen);
    });
    it('2.5 a ping with 126 bytes fails with 1002', async () => {
      await expectClientFailure([server(Opcode.Ping, Buffer.alloc(126))], 1002);
    });
  });

  describe('3 Reserved bits', () => {
    it('3.1 a text message with RSV1 set (no extension negotiated) fails with 1002', async () => {
      await expectClientFailure([rawFrame({ opcode: Opcode.Text, rsv: 4, payload: 'Hello' })], 1002);
    });
    for (const [rsv, how] of [[2, 'whole'], [3, 'frame-wise'], [4, 'octet-wise']] as const) {
      it(`3.2–3.4 a valid message, one with RSV = ${rsv}, a ping (${how}): the first is delivered, then 1002 and no pong`, async () => {
        const frames = [server(Opcode.Text, 'Hello'), rawFrame({ opcode: Opcode.Text, rsv, payload: 'Hello' }), server(Opcode.Ping, 'Hello')];
        await expectClientFailure(frames, 1002, [{ data: Buffer.from('Hello'), isBinary: false }], how);
      });
    }
    it('3.6 a ping with RSV = 6 fails with 1002', async () => {
      await expectClientFailure([rawFrame({ opcode: Opcode.Ping, rsv: 6, payload: 'Hello' })], 1002);
    });
  });

  describe('4 Opcodes', () => {
    for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      it(`4.${opcode < 8 ? 1 : 2} reserved opcode ${opcode} after a valid message fails with 1002`, async () => {
        await expectClientFailure([server(Opcode.Text, 'Hello'), server(opcode, 'reserved'), server(Opcode.Ping, 'Hello')], 1002, [
          { data: Buffer.from('Hello'), isBinary: false },
        ]);
      });
    }
  });

  describe('5 Fragmentation', () => {
    it('5.6 a fragmented message with a ping inside is reassembled, and the ping answered before the message ends', async () => {
      const { ws, peer, seen } = await open();
      peer.send(rawFrame({ opcode: Opcode.Text, payload: 'fragment1', fin: false }), server(Opcode.Ping, 'ping payload'));
      await peer.until(() => peer.events.length === 1);
      expect(peer.events[0]).toEqual({ type: 'pong', data: Buffer.from('ping payload') });
      expect(seen.messages).toEqual([]);
      peer.send(rawFrame({ opcode: Opcode.Continuation, payload: 'fragment2', fin: false }), rawFrame({ opcode: Opcode.Continuation, payload: '3' }));
      await untilMessages(ws, seen, 1);
      expect(seen.messages).toEqual([{ data: Buffer.from('fragment1fragment23'), isBinary: false }]);
      await closeCleanly(ws, peer, seen);
    });
    it('5.8 the same, sent octet by octet', async () => {
      const { ws, peer, seen } = await open();
      await peer.sendInChops(
        Buffer.concat([
          rawFrame({ opcode: Opcode.Binary, payload: 'fragment1', fin: false }),
          server(Opcode.Ping, 'ping payload'),
          rawFrame({ opcode: Opcode.Continuation, payload: 'fragment2' }),
        ]),
        1,
      );
      await untilMessages(ws, seen, 1);
      await peer.until(() => peer.events.length === 1);
      expect(seen.messages).toEqual([{ data: Buffer.from('fragment1fragment2'), isBinary: true }]);
      expect(peer.events).toEqual([{ type: 'pong', data: Buffer.from('ping payload') }]);
      await closeCleanly(ws, peer, seen);
    });
    it('9.3 a 4 MiB message in 64-byte fragments is accepted with default options', async () => {
      const { ws, peer, seen } = await open();
      const payload = bytesOf(4 * 1024 * 1024);
      const frames: Buffer[] = [];
      for (let at = 0; at < payload.length; at += 64) {
        frames.push(rawFrame({ opcode: at === 0 ? Opcode.Binary : Opcode.Continuation, payload: payload.subarray(at, at + 64), fin: at + 64 >= payload.length }));
      }
      peer.send(...frames);
      await untilMessages(ws, seen, 1);
      expect(seen.messages).toHaveLength(1);
      expect(seen.messages[0].isBinary).toBe(true);
      expect(seen.messages[0].data.equals(payload)).toBe(true);
      await closeCleanly(ws, peer, seen);
    });
    it('5.1 a fragmented ping fails with 1002', async () => {
      await expectClientFailure([rawFrame({ opcode: Opcode.Ping, payload: 'a', fin: false }), rawFrame({ opcode: Opcode.Continuation, payload: 'b' })], 1002);
    });
    it('5.9 a continuation with nothing to continue fails with 1002', async () => {
      await expectClientFailure([rawFrame({ opcode: Opcode.Continuation, payload: 'stray' })], 1002);
    });
    it('5.18 a fragmented message whose second frame is a new text frame fails with 1002', async () => {
      await expectClientFailure([rawFrame({ opcode: Opcode.Text, payload: 'fragment1', fin: false }), server(Opcode.Text, 'fragment2')], 1002);
    });
  });

  describe('6 UTF-8', () => {
    it('6.4 an invalid first fragment fails at once, with no more fragments sent', async () => {
      await expectClientFailure([rawFrame({ opcode: Opcode.Text, payload: hex('ce ba f4 90 80 80'), fin: false })], 1007);
    });
    for (const [group, valid, payloads] of UTF8_SEQUENCES) {
      it(`${group}: ${valid ? 'delivered as they are' : 'each fails with 1007, in one frame and in one-byte fragments'}`, async () => {
        const oneByteFragments = (payload: Buffer): Buffer[] =>
          [...payload].map((byte, i) => rawFrame({ opcode: i === 0 ? Opcode.Text : Opcode.Continuation, payload: Buffer.from([byte]), fin: i === payload.length - 1 }));
        if (valid) {
          const { ws, peer, seen } = await open();
          peer.send(...payloads.flatMap((payload) => [server(Opcode.Text, payload), ...oneByteFragments(payload)]));
          await untilMessages(ws, seen, payloads.length * 2);
          expect(seen.messages).toEqual(payloads.flatMap((data) => [{ data, isBinary: false }, { data, isBinary: false }]));
          await closeCleanly(ws, peer, seen);
        } else {
          await Promise.all(
            payloads.flatMap((payload) => [
              expectClientFailure([server(Opcode.Text, payload)], 1007),
              expectClientFailure(oneByteFragments(payload), 1007),
            ]),
          );
        }
      });
    }
  });

  describe('7 Close handling', () => {
    it('7.1 the server closes with 1000 and a reason: our client echoes the code masked, and closes cleanly once TCP ends', async () => {
      const { peer, seen } = await open();
      peer.send(server(Opcode.Close, Buffer.concat([u16(1000), Buffer.from('bye')])));
      await peer.until(() => peer.closeFrame !== undefined);
      expectMaskedFrames(peer.received, [{ opcode: Opcode.Close, length: 2 }]);
      expect(peer.closeFrame).toEqual({ code: 1000, reason: '' });
      // A client leaves the TCP close to the server (§7.1.1).
      expect(peer.isOpen).toBe(true);
      peer.end();
      expect(await seen.closed).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    });
    it('7.1.3/7.1.4 after the close frame, a ping and a message are ignored', async () => {
      const { peer, seen } = await open();
      peer.send(server(Opcode.Close, u16(1000)), server(Opcode.Ping, 'late'), server(Opcode.Text, 'late'));
      await peer.until(() => peer.closeFrame !== undefined);
      peer.end();
      expect(await seen.closed).toEqual({ code: 1000, reason: '', wasClean: true });
      expect(peer.events).toEqual([{ type: 'close', code: 1000, reason: '' }]);
      expect(seen.messages).toEqual([]);
      expect(seen.pings).toEqual([]);
    });
    it('7.3.1 a close without payload is echoed without payload and reported as 1005', async () => {
      const { peer, seen } = await open();
      peer.send(server(Opcode.Close));
      await peer.until(() => peer.closeFrame !== undefined);
      expectMaskedFrames(peer.received, [{ opcode: Opcode.Close, length: 0 }]);
      peer.end();
      expect(await seen.closed).toEqual({ code: 1005, reason: '', wasClean: true });
    });
    it('7.3.2 a close with a 1-byte payload fails with 1002', async () => {
      await expectClientFailure([server(Opcode.Close, hex('03'))], 1002);
    });
    it('7.3.6 a close with a 124-byte reason (126-byte control frame) fails with 1002', async () => {
      await expectClientFailure([server(Opcode.Close, Buffer.concat([u16(1000), ascii(124)]))], 1002);
    });
    it('7.5.1 a close reason that is not UTF-8 fails with 1007', async () => {
      await expectClientFailure([server(Opcode.Close, Buffer.concat([u16(1000), hex('ff fe')]))], 1007);
    });
    for (const code of VALID_CLOSE_CODES) {
      it(`7.7 close code ${code} from the server is echoed and reported`, async () => {
        const { peer, seen } = await open();
        peer.send(server(Opcode.Close, Buffer.concat([u16(code), Buffer.from('why')])));
        await peer.until(() => peer.closeFrame !== undefined);
        expect(peer.closeFrame).toEqual({ code, reason: '' });
        peer.end();
        expect(await seen.closed).toEqual({ code, reason: 'why', wasClean: true });
      });
    }
    it(`7.9/7.13 invalid close codes from the server fail with 1002: ${INVALID_CLOSE_CODES.join(', ')}`, async () => {
      await Promise.all(INVALID_CLOSE_CODES.map((code) => expectClientFailure([server(Opcode.Close, u16(code))], 1002)));
    });
    it('our client closes with 4000 and a reason: the server sees it masked, and the echo completes a clean close', async () => {
      const { ws, peer, seen } = await open();
      ws.close(4000, 'done');
      await peer.until(() => peer.closeFrame !== undefined);
      expect(peer.closeFrame).toEqual({ code: 4000, reason: 'done' });
      expectMaskedFrames(peer.received, [{ opcode: Opcode.Close, length: 6 }]);
      peer.send(server(Opcode.Close, u16(4000)));
      peer.end();
      expect(await seen.closed).toEqual({ code: 4000, reason: '', wasClean: true });
    });
    it('a server that drops TCP without a close frame: 1006, not clean', async () => {
      const { peer, seen } = await open();
      peer.destroy();
      expect(await seen.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    });
  });

  describe('opening handshake: the subprotocol in the answer', () => {
    it('the one offered and chosen is reported', async () => {
      const { ws, peer, seen } = await open({ 'X-Answer-Protocol': 'chat' }, ['chat', 'superchat']);
      expect(ws.protocol).toBe('chat');
      await closeCleanly(ws, peer, seen);
    });
    it('one that was never offered fails the handshake: error, then 1006 (§4.1)', async () => {
      const ws = new WebSocket(raw.url, ['chat'], { headers: { 'X-Answer-Protocol': 'other' } });
      const errors: Error[] = [];
      ws.on('error', (error: Error) => errors.push(error));
      const closed = await new Promise((resolve) => ws.on('close', (code: number, reason: string, wasClean: boolean) => resolve({ code, reason, wasClean })));
      expect(closed).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(errors.map((error) => error.message)).toEqual(['Server chose a subprotocol that was not offered: "other"']);
      expect(ws.readyState).toBe(WebSocket.CLOSED);
      // Consume the raw peer the refused handshake left, so later tests get their own.
      const peer = await raw.nextPeer();
      await peer.closed;
    });
  });
});

// ---- Sequences ----

function range(from: number, to: number): Buffer {
  return Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));
}

function spaced(bytes: Buffer): Buffer {
  return Buffer.from([...bytes].flatMap((byte) => [byte, 0x20]));
}

function incomplete(): string[] {
  return ['c0', 'e0 80', 'f0 80 80', 'f8 80 80 80', 'fc 80 80 80 80', 'df', 'ef bf', 'f7 bf bf', 'fb bf bf bf', 'fd bf bf bf bf'];
}

/** U+FDD0–U+FDEF and the last two code points of every plane. */
function nonCharacters(): Buffer[] {
  const points: number[] = [];
  for (let point = 0xfdd0; point <= 0xfdef; point++) points.push(point);
  for (let plane = 0; plane <= 16; plane++) points.push(plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff);
  return points.map((point) => Buffer.from(String.fromCodePoint(point)));
}

/** "κόσμε", then a lone UTF-16 surrogate (ed a0 80), then "edited": Autobahn's invalid sample. */
function kosmeWithSurrogate(): Buffer {
  return hex('ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64');
}
