import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { constants, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Opcode, ProtocolError } from '../../src/protocol/websocket/index.js';
import { WebSocket, type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import type { PerMessageDeflateOptions } from '../../src/websocket/deflate-options.js';
import { clientFrame, rawFrame } from '../support/raw-frame.js';
import { type RawWebSocketPeer, connectRawClient } from '../support/raw-websocket-client.js';
import { RawWebSocketServer } from '../support/raw-websocket-server.js';
import { TestDeflater, TestInflater } from '../support/deflate-stream.js';

// permessage-deflate conformance, modeled on Autobahn|Testsuite groups 12
// (messages of 16 B to 128 KiB, text and binary, whole and fragmented in 256-byte
// frames, through the default offer) and 13 (the same under every offer and
// parameter combination: context takeover kept or not on either side, window
// bits 8 to 15 or absent, several offers in one header). A raw peer compresses
// with its own zlib streams (test/support/deflate-stream.ts), checks the exact
// Sec-WebSocket-Extensions answer, that every echo came back with RSV1, and
// that it inflates to what was sent. Then the faults: RSV1 where it may not be,
// data that is not DEFLATE, text that is not UTF-8 once inflated, and bombs.

const RSV1 = 4;
const SIZES = [16, 64, 256, 1024, 4096, 16384, 65536, 131072];

/** Text that compresses as real text does, and bytes that barely compress. */
function textOf(size: number): Buffer {
  const words = 'To be, or not to be, that is the question: Whether tis nobler in the mind to suffer ';
  return Buffer.from(words.repeat(Math.ceil(size / words.length)).slice(0, size));
}
function bytesOf(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let x = size;
  for (let i = 0; i < size; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return bytes;
}

interface Agreed {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/** The agreed parameters, read from the answer with nothing of the code under test. */
function agreedFrom(answer: string, offer: string): Agreed {
  const bits = (name: string, header: string): number | undefined => {
    const match = new RegExp(`${name}=(\\d+)`).exec(header);
    return match ? Number(match[1]) : undefined;
  };
  return {
    serverNoContextTakeover: /server_no_context_takeover/.test(answer),
    clientNoContextTakeover: /client_no_context_takeover/.test(answer) || /client_no_context_takeover/.test(offer.split(',')[0]),
    serverMaxWindowBits: bits('server_max_window_bits', answer) ?? 15,
    clientMaxWindowBits: bits('client_max_window_bits', answer) ?? 15,
  };
}

function extensionsHeader(head: string): string | undefined {
  return /^sec-websocket-extensions:\s*(.*)$/im.exec(head)?.[1]?.trim();
}

/** Fragments a compressed payload (§7.2.3.1): RSV1 on the first frame only. */
function compressedFrames(opcode: number, payload: Buffer, fragment: number | undefined, mask: boolean): Buffer[] {
  const make = mask ? clientFrame : rawFrame;
  if (fragment === undefined || payload.length <= fragment) return [make({ opcode, rsv: RSV1, payload })];
  const frames: Buffer[] = [];
  for (let at = 0; at < payload.length; at += fragment) {
    const end = Math.min(at + fragment, payload.length);
    frames.push(make({ opcode: at === 0 ? opcode : Opcode.Continuation, rsv: at === 0 ? RSV1 : 0, fin: end === payload.length, payload: payload.subarray(at, end) }));
  }
  return frames;
}

/**
 * Group 12 through a raw peer: messages of every size in `SIZES`, text and binary,
 * whole (12.1, 12.2) then fragmented in 256-byte frames (12.5), compressed by the
 * peer; every echo must come back compressed (threshold 0) and inflate to what was sent.
 */
async function echoGroup12(peer: RawWebSocketPeer, deflater: TestDeflater, inflater: TestInflater, mask: boolean): Promise<void> {
  const sent: { binary: boolean; data: Buffer }[] = [];
  for (const fragment of [undefined, 256]) {
    for (const size of SIZES) {
      for (const binary of [false, true]) {
        const data = binary ? bytesOf(size) : textOf(size);
        sent.push({ binary, data });
        peer.send(...compressedFrames(binary ? Opcode.Binary : Opcode.Text, await deflater.compress(data), fragment, mask));
      }
    }
  }
  await peer.until(() => peer.messages.length === sent.length, 10_000);
  expect(peer.parseError).toBeUndefined();
  const echoes = peer.events.flatMap((event) => (event.type === 'message' ? [event] : []));
  for (const [i, echo] of echoes.entries()) {
    expect(echo.rsv).toBe(RSV1);
    expect(echo.binary).toBe(sent[i].binary);
    expect((await inflater.inflate(echo.data)).equals(sent[i].data)).toBe(true);
  }
}

// ---- Our server ----

interface ServerCase {
  name: string;
  server: PerMessageDeflateOptions;
  offer: string;
  /** The exact answer, or undefined when the offer must be declined. */
  answer: string | undefined;
}

const SERVER_CASES: ServerCase[] = [
  // Group 12 and 13.1: what Autobahn (and every browser) offers by default.
  { name: '12.x / 13.1 the default offer', server: {}, offer: 'permessage-deflate; client_max_window_bits', answer: 'permessage-deflate' },
  { name: '13.2 client_no_context_takeover', server: {}, offer: 'permessage-deflate; client_no_context_takeover; client_max_window_bits', answer: 'permessage-deflate; client_no_context_takeover' },
  { name: '13.3 client_max_window_bits=8', server: {}, offer: 'permessage-deflate; client_max_window_bits=8', answer: 'permessage-deflate; client_max_window_bits=8' },
  { name: '13.4 client_max_window_bits=15', server: {}, offer: 'permessage-deflate; client_max_window_bits=15', answer: 'permessage-deflate; client_max_window_bits=15' },
  { name: '13.5 client_no_context_takeover, client_max_window_bits=8', server: {}, offer: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=8', answer: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=8' },
  { name: '13.6 client_no_context_takeover, client_max_window_bits=15', server: {}, offer: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=15', answer: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=15' },
  {
    name: '13.7 three offers: the first acceptable one wins',
    server: {},
    offer: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=8, permessage-deflate; client_no_context_takeover, permessage-deflate',
    answer: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=8',
  },
  { name: 'the client asks server_no_context_takeover', server: {}, offer: 'permessage-deflate; server_no_context_takeover', answer: 'permessage-deflate; server_no_context_takeover' },
  { name: 'the client asks server_max_window_bits=8', server: {}, offer: 'permessage-deflate; server_max_window_bits=8', answer: 'permessage-deflate; server_max_window_bits=8' },
  { name: 'the client asks server_max_window_bits=9 and no takeover', server: {}, offer: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9', answer: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9' },
  {
    name: 'the server asks both no_context_takeover',
    server: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    offer: 'permessage-deflate; client_max_window_bits',
    answer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
  },
  { name: 'the server limits its own window to 10', server: { serverMaxWindowBits: 10 }, offer: 'permessage-deflate', answer: 'permessage-deflate; server_max_window_bits=10' },
  { name: 'the server limits the client window to 9', server: { clientMaxWindowBits: 9 }, offer: 'permessage-deflate; client_max_window_bits', answer: 'permessage-deflate; client_max_window_bits=9' },
  { name: 'a malformed first offer is declined, the second accepted', server: {}, offer: 'permessage-deflate; server_max_window_bits=16, permessage-deflate; client_max_window_bits', answer: 'permessage-deflate' },
  { name: 'an offer that cannot limit its window is declined', server: { clientMaxWindowBits: 9 }, offer: 'permessage-deflate', answer: undefined },
  { name: 'an unknown parameter declines the offer', server: {}, offer: 'permessage-deflate; x-unknown', answer: undefined },
  { name: 'a duplicate parameter declines the offer', server: {}, offer: 'permessage-deflate; server_no_context_takeover; server_no_context_takeover', answer: undefined },
];

const servers = new Map<string, { server: WebSocketServer; port: number }>();
afterAll(async () => {
  for (const { server } of servers.values()) await new Promise((resolve) => server.close(resolve));
});

async function echoServer(options: PerMessageDeflateOptions, more: { maxPayload?: number; maxMessagesPerSecond?: number } = {}): Promise<number> {
  const key = JSON.stringify([options, more]);
  const known = servers.get(key);
  if (known) return known.port;
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, perMessageDeflate: { threshold: 0, ...options }, ...more });
  server.on('connection', (connection: WebSocketConnection) => {
    connection.on('message', (data: Buffer, isBinary: boolean) => connection.send(data, { binary: isBinary }));
  });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  servers.set(key, { server, port });
  return port;
}

async function closeCleanly(peer: RawWebSocketPeer): Promise<void> {
  peer.send(clientFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8]) }));
  await peer.until(() => peer.closeFrame !== undefined);
  expect(peer.closeFrame?.code).toBe(1000);
  await peer.untilClosed();
}

describe('our server (Autobahn 12 and 13)', () => {
  for (const test of SERVER_CASES) {
    it(`${test.name}: answers ${test.answer === undefined ? 'without the extension' : JSON.stringify(test.answer)}`, { timeout: 15_000 }, async () => {
      const port = await echoServer(test.server);
      const peer = await connectRawClient(port, { headers: { 'Sec-WebSocket-Extensions': test.offer }, allowedRsv: RSV1 });
      expect(extensionsHeader(peer.handshakeHead)).toBe(test.answer);
      if (test.answer === undefined) {
        // Nothing agreed: RSV1 is a protocol error (RFC 6455 §5.2).
        peer.send(clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: Buffer.from([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]) }));
        await peer.until(() => peer.closeFrame !== undefined);
        expect(peer.closeFrame?.code).toBe(1002);
        return;
      }
      const agreed = agreedFrom(test.answer, test.offer);
      const deflater = new TestDeflater({ windowBits: agreed.clientMaxWindowBits, noContextTakeover: agreed.clientNoContextTakeover });
      const inflater = new TestInflater({ windowBits: agreed.serverMaxWindowBits, noContextTakeover: agreed.serverNoContextTakeover });
      await echoGroup12(peer, deflater, inflater, true);
      await closeCleanly(peer);
      deflater.close();
      inflater.close();
    });
  }
});

describe('our server: faults under permessage-deflate', () => {
  const OFFER = { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' };
  const hello = Buffer.from([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);

  async function expectFailure(frames: Buffer[], code: number, maxPayload?: number): Promise<RawWebSocketPeer> {
    const port = await echoServer({}, maxPayload === undefined ? {} : { maxPayload });
    const peer = await connectRawClient(port, { headers: OFFER, allowedRsv: RSV1 });
    peer.send(...frames);
    await peer.until(() => peer.closeFrame !== undefined);
    expect(peer.closeFrame?.code).toBe(code);
    await peer.untilClosed();
    return peer;
  }

  it('a compressed ping (RSV1 on a control frame, §6.1) fails with 1002', async () => {
    await expectFailure([clientFrame({ opcode: Opcode.Ping, rsv: RSV1, payload: hello })], 1002);
  });

  it('RSV1 on a continuation frame fails with 1002', async () => {
    await expectFailure([clientFrame({ opcode: Opcode.Text, rsv: RSV1, fin: false, payload: hello.subarray(0, 3) }), clientFrame({ opcode: Opcode.Continuation, rsv: RSV1, payload: hello.subarray(3) })], 1002);
  });

  it('data that is not DEFLATE fails with 1007, after a valid compressed message', async () => {
    // The echo of the first may or may not beat the failure: a failure does not wait for compressions under way.
    const peer = await expectFailure([clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: hello }), clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: Buffer.from([0xff, 0xff, 0xff]) })], 1007);
    expect(peer.messages.length).toBeLessThanOrEqual(1);
    expect(peer.parseError).toBeUndefined();
  });

  it('text that is not UTF-8 once inflated fails with 1007', async () => {
    const payload = deflateRawSync(Buffer.from([0x48, 0xc3, 0x28]), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    await expectFailure([clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload })], 1007);
  });

  it('an inflation bomb (10 KB that inflate to 10 MB) fails with 1009 at maxPayload 64 KiB', async () => {
    const bomb = deflateRawSync(Buffer.alloc(10_000_000), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectFailure([clientFrame({ opcode: Opcode.Binary, rsv: RSV1, payload: bomb })], 1009, 64 * 1024);
  });

  it('a flood of compressed messages meets maxMessagesPerSecond before it is inflated: 1008', async () => {
    const port = await echoServer({}, { maxMessagesPerSecond: 20 });
    const peer = await connectRawClient(port, { headers: OFFER, allowedRsv: RSV1 });
    const deflater = new TestDeflater();
    const frames: Buffer[] = [];
    for (let i = 0; i < 200; i++) frames.push(clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: await deflater.compress(Buffer.from(`flood ${i}`)) }));
    peer.send(...frames);
    await peer.until(() => peer.closeFrame !== undefined);
    expect(peer.closeFrame?.code).toBe(1008);
    expect(peer.messages.length).toBeLessThanOrEqual(20);
    await peer.untilClosed();
  });

  it('compressed and plain messages, pings between them: the echoes keep the order', async () => {
    const port = await echoServer({});
    const peer = await connectRawClient(port, { headers: OFFER, allowedRsv: RSV1 });
    const deflater = new TestDeflater();
    const frames: Buffer[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      const body = `message ${i} `.repeat(i % 5 === 0 ? 200 : 2);
      expected.push(body);
      frames.push(i % 3 === 0 ? clientFrame({ opcode: Opcode.Text, payload: body }) : clientFrame({ opcode: Opcode.Text, rsv: RSV1, payload: await deflater.compress(Buffer.from(body)) }));
      if (i % 7 === 0) frames.push(clientFrame({ opcode: Opcode.Ping, payload: `p${i}` }));
    }
    // In chops of 61 bytes, so messages straddle reads.
    await peer.sendInChops(Buffer.concat(frames), 61);
    await peer.until(() => peer.messages.length === expected.length);
    const inflater = new TestInflater();
    const got: string[] = [];
    for (const event of peer.events) if (event.type === 'message') got.push((await inflater.inflate(event.data)).toString());
    expect(got).toEqual(expected);
    expect(peer.events.filter((event) => event.type === 'pong')).toHaveLength(8);
    await closeCleanly(peer);
  });
});

// ---- Our client ----

describe('our client (Autobahn 12 and 13, the other way round)', () => {
  let raw: RawWebSocketServer;
  beforeAll(async () => {
    raw = await RawWebSocketServer.listen((head) => {
      const answer = /^x-answer-extensions:\s*(.*)$/im.exec(head)?.[1]?.trim();
      return { headers: answer ? [`Sec-WebSocket-Extensions: ${answer}`] : [], allowedRsv: RSV1 };
    });
  });
  afterAll(async () => {
    await raw.close();
  });

  async function open(answer: string, options: PerMessageDeflateOptions = {}, more: { maxPayload?: number } = {}) {
    const ws = new WebSocket(raw.url, undefined, { headers: { 'x-answer-extensions': answer }, perMessageDeflate: { threshold: 0, ...options }, closeTimeout: 2000, ...more });
    const errors: Error[] = [];
    ws.on('error', (error: Error) => errors.push(error));
    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => ws.on('close', (code: number, _reason: string, wasClean: boolean) => resolve({ code, wasClean })));
    const peer = await raw.nextPeer();
    return { ws, peer, errors, closed };
  }

  const ANSWERS: { answer: string; options?: PerMessageDeflateOptions; offer: string }[] = [
    { answer: 'permessage-deflate', offer: 'permessage-deflate; client_max_window_bits' },
    { answer: 'permessage-deflate; server_no_context_takeover', offer: 'permessage-deflate; client_max_window_bits' },
    { answer: 'permessage-deflate; client_no_context_takeover', offer: 'permessage-deflate; client_max_window_bits' },
    { answer: 'permessage-deflate; server_max_window_bits=8', offer: 'permessage-deflate; client_max_window_bits' },
    { answer: 'permessage-deflate; client_max_window_bits=8', offer: 'permessage-deflate; client_max_window_bits' },
    {
      answer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10',
      offer: 'permessage-deflate; client_max_window_bits',
    },
    {
      answer: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10',
      options: { serverNoContextTakeover: true, serverMaxWindowBits: 12, clientNoContextTakeover: true, clientMaxWindowBits: 11 },
      offer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11',
    },
  ];

  for (const { answer, options, offer } of ANSWERS) {
    it(`offers ${JSON.stringify(offer)}, takes ${JSON.stringify(answer)}: messages both ways intact`, { timeout: 15_000 }, async () => {
      const { ws, peer, errors, closed } = await open(answer, options);
      expect(extensionsHeader(peer.handshakeHead)).toBe(offer);
      await once(ws, 'open');
      expect(ws.extensions).toBe(answer);
      ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
      const agreed = agreedFrom(answer, offer);
      const deflater = new TestDeflater({ windowBits: agreed.serverMaxWindowBits, noContextTakeover: agreed.serverNoContextTakeover });
      const inflater = new TestInflater({ windowBits: agreed.clientMaxWindowBits, noContextTakeover: agreed.clientNoContextTakeover });
      await echoGroup12(peer, deflater, inflater, false);
      ws.close(1000);
      await peer.until(() => peer.closeFrame !== undefined);
      peer.send(rawFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8]) }));
      peer.end();
      expect(await closed).toEqual({ code: 1000, wasClean: true });
      expect(errors).toEqual([]);
    });
  }

  const REFUSED = [
    ['permessage-deflate; x-unknown', /unknown permessage-deflate parameter/],
    ['permessage-deflate; server_max_window_bits=7', /server_max_window_bits must be a number from 8 to 15/],
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', /appears twice/],
    ['permessage-deflate; client_max_window_bits', /client_max_window_bits must be a number/],
    ['permessage-deflate, permessage-deflate', /twice/],
  ] as const;

  for (const [answer, why] of REFUSED) {
    it(`fails the handshake on the answer ${JSON.stringify(answer)} with a clear error`, async () => {
      const { ws, errors, closed } = await open(answer);
      expect(await closed).toEqual({ code: 1006, wasClean: false });
      expect(ws.readyState).toBe(3);
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(why);
    });
  }

  it('fails the handshake when the server narrows a window the offer fixed (client_max_window_bits=12 for 11)', async () => {
    const { errors, closed } = await open('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 11 });
    expect((await closed).code).toBe(1006);
    expect(errors[0].message).toMatch(/client_max_window_bits=12 is more than the 11 offered/);
  });

  async function expectClientFailure(frames: Buffer[], code: number, maxPayload?: number): Promise<void> {
    const { ws, peer, errors, closed } = await open('permessage-deflate', {}, maxPayload === undefined ? {} : { maxPayload });
    await once(ws, 'open');
    peer.send(...frames);
    await peer.until(() => peer.closeFrame !== undefined);
    expect(peer.closeFrame?.code).toBe(code);
    peer.end();
    expect((await closed).code).toBe(1006);
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect((errors[0] as ProtocolError).closeCode).toBe(code);
  }

  it('a compressed ping fails with 1002', async () => {
    await expectClientFailure([rawFrame({ opcode: Opcode.Ping, rsv: RSV1, payload: Buffer.from([0x00]) })], 1002);
  });

  it('data that is not DEFLATE fails with 1007', async () => {
    await expectClientFailure([rawFrame({ opcode: Opcode.Binary, rsv: RSV1, payload: Buffer.from([0xff, 0xff]) })], 1007);
  });

  it('an inflation bomb fails with 1009 at maxPayload 64 KiB', async () => {
    const bomb = deflateRawSync(Buffer.alloc(10_000_000), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    await expectClientFailure([rawFrame({ opcode: Opcode.Binary, rsv: RSV1, payload: bomb })], 1009, 64 * 1024);
  });
});
