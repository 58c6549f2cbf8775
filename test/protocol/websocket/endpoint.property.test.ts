import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type EndpointEvent,
  type MaskKeySource,
  Opcode,
  type Role,
  WebSocketProtocol,
  encodeSharedFrame,
} from '../../../src/protocol/websocket/index.js';

// A model test of the endpoint: a client and a server WebSocketProtocol wired
// back to back through their outgoing bytes, driven by random application
// actions and by random chunking of the bytes in transit. Each carrier follows
// the rules a real one does: it writes what `takeOutgoing` returns, and once
// `closeTransport` says so it sends nothing more and reads nothing more (the
// bytes already written still reach the other side, as on TCP).

type Side = Role;
const other = (side: Side): Side => (side === 'client' ? 'server' : 'client');

type Action =
  | { kind: 'send'; side: Side; binary: boolean; data: Buffer }
  | { kind: 'sendFrame'; side: Side; data: Buffer }
  | { kind: 'ping'; side: Side; padding: number }
  | { kind: 'pong'; side: Side; padding: number }
  | { kind: 'close'; side: Side; code: number | undefined; reason: string }
  | { kind: 'badClose'; side: Side; code: number | undefined; reason: string }
  | { kind: 'fail'; side: Side; code: number; reason: string }
  | { kind: 'deliver'; from: Side; size: number };

/** Codes an endpoint may send (§7.4.1, §7.4.2). */
const SENDABLE = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
/** Codes `close` must refuse: reserved for reporting (1005, 1006, 1015) or outside every range. */
const UNSENDABLE = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000];

const side = fc.constantFrom<Side>('client', 'server');
const payload = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  // Now and then past the 7- and 16-bit length forms (§5.2).
  { weight: 1, arbitrary: fc.integer({ min: 126, max: 70_000 }).map((size) => Buffer.alloc(size, size & 0xff)) },
);
const text = fc.string({ unit: 'binary', maxLength: 100 }).map((value) => Buffer.from(value));
const reason = fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }));

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), side, binary: fc.constant(true), data: payload }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), side, binary: fc.constant(false), data: text }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sendFrame' as const), side, data: payload }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ping' as const), side, padding: fc.integer({ min: 0, max: 110 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pong' as const), side, padding: fc.integer({ min: 0, max: 110 }) }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({ kind: fc.constant('close' as const), side, code: fc.constantFrom(...SENDABLE), reason }),
      // No code: an empty close frame, which the peer reports as 1005.
      fc.record({ kind: fc.constant('close' as const), side, code: fc.constant(undefined), reason: fc.constant('') }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({ kind: fc.constant('badClose' as const), side, code: fc.constantFrom(...UNSENDABLE), reason: fc.constant('') }),
      // 124 bytes: one more than a close frame holds (§5.5).
      fc.record({ kind: fc.constant('badClose' as const), side, code: fc.constant(1000), reason: fc.constant('x'.repeat(124)) }),
      // A reason needs a code (a TypeError rather than a RangeError).
      fc.record({ kind: fc.constant('badClose' as const), side, code: fc.constant(undefined), reason: fc.constant('why') }),
    ),
  },
  {
    weight: 1,
    // Reasons of up to 130 characters: some go past the 123 bytes a close frame holds.
    arbitrary: fc.record({ kind: fc.constant('fail' as const), side, code: fc.constantFrom(...SENDABLE), reason: fc.string({ maxLength: 130 }) }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      from: side,
      size: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 300 }), fc.constant(Number.MAX_SAFE_INTEGER)),
    }),
  },
);

/** Deterministic masking keys, so a failing run shrinks and replays the same bytes. */
function countingMask(): MaskKeySource {
  let next = 0x9e3779b9;
  return (target, at) => {
    next = (Math.imul(next, 1_103_515_245) + 12_345) >>> 0;
    target[at] = next >>> 24;
    target[at + 1] = (next >>> 16) & 0xff;
    target[at + 2] = (next >>> 8) & 0xff;
    target[at + 3] = next & 0xff;
  };
}

interface Message {
  binary: boolean;
  data: string;
}

/** One endpoint, its carrier's view of the transport, and what the model expects of it. */
class Peer {
  readonly endpoint: WebSocketProtocol<Peer>;
  readonly events: EndpointEvent[] = [];
  readonly messages: Message[] = [];
  readonly pongs: string[] = [];
  readonly sentMessages: Message[] = [];
  readonly sentPings: string[] = [];
  readonly sentPongs: string[] = [];
  /** The code of the first close frame this side sent (1005 for an empty one), if any. */
  firstCloseCode: number | undefined;
  /** This side's close frame was the echo of the peer's. */
  echoed = false;
  /** This side left 'open' by its own `close` or `fail`, rather than by the peer's close frame. */
  stoppedFirst = false;
  /** `fail` was called on this side. */
  failedByApp = false;
  /** The carrier closed the transport: nothing more written or read. */
  transportClosed = false;
  violations: string[] = [];

  constructor(
    readonly role: Role,
    private readonly wire: Buffer[],
  ) {
    this.endpoint = new WebSocketProtocol<Peer>(
      { role, maxPayload: 1024 * 1024, maxFragments: 1000, mask: role === 'client' ? countingMask() : undefined },
      function (this: Peer, event) {
        this.onEvent(event);
      },
      this,
    );
  }

  private onEvent(event: EndpointEvent): void {
    const last = this.events.at(-1);
    if (last && (last.type === 'close' || last.type === 'error')) this.violations.push(`${event.type} after ${last.type}`);
    this.events.push(event);
    switch (event.type) {
      case 'message':
        // Once our close frame went out, the application hears no more messages.
        if (this.endpoint.state !== 'open') this.violations.push(`message while ${this.endpoint.state}`);
        this.messages.push({ binary: event.binary, data: Buffer.from(event.data).toString('hex') });
        break;
      case 'pong':
        this.pongs.push(Buffer.from(event.data).toString());
        break;
      case 'close':
        // The echo (or our earlier close) is out: both close frames have now crossed here.
        if (this.endpoint.state !== 'closed') this.violations.push(`close event while ${this.endpoint.state}`);
        if (this.firstCloseCode === undefined) {
          this.firstCloseCode = event.code;
          this.echoed = true;
        }
        break;
      case 'error':
        // Two conforming endpoints never break the protocol.
        this.violations.push(`error: ${event.error.message}`);
        break;
      case 'ping':
        break;
    }
  }

  /** The carrier's part after anything drove the endpoint: write its bytes, then close if told to. */
  pump(): void {
    const outgoing = this.endpoint.takeOutgoing();
    if (outgoing) {
      if (!this.transportClosed) for (const chunk of outgoing.chunks) this.wire.push(Buffer.from(chunk));
      outgoing.settle(null);
    }
    if (this.endpoint.closeTransport) this.transportClosed = true;
  }
}

class Pair {
  readonly wires: Record<Side, Buffer[]> = { client: [], server: [] };
  readonly peers: Record<Side, Peer> = {
    client: new Peer('client', this.wires.client),
    server: new Peer('server', this.wires.server),
  };
  private tag = 0;

  apply(action: Action): void {
    if (action.kind === 'deliver') {
      this.deliver(action.from, action.size);
      return;
    }
    const peer = this.peers[action.side];
    const endpoint = peer.endpoint;
    const open = endpoint.state === 'open' && !endpoint.failed;
    switch (action.kind) {
      case 'send': {
        const sent = endpoint.send(action.data, action.binary ? Opcode.Binary : Opcode.Text);
        expect(sent).toBe(open);
        if (sent) peer.sentMessages.push({ binary: action.binary, data: action.data.toString('hex') });
        break;
      }
      case 'sendFrame': {
        const frame = encodeSharedFrame(action.data, Opcode.Binary);
        if (action.side === 'client') {
          // Documented: a client's frames each need a fresh mask.
          expect(() => endpoint.sendFrame(frame)).toThrow(TypeError);
          break;
        }
        const sent = endpoint.sendFrame(frame);
        expect(sent).toBe(open);
        if (sent) peer.sentMessages.push({ binary: true, data: action.data.toString('hex') });
        break;
      }
      case 'ping':
      case 'pong': {
        const data = `${action.kind === 'ping' ? 'p' : 'u'}${this.tag++}:${'.'.repeat(action.padding)}`;
        const sent = endpoint.send(Buffer.from(data), action.kind === 'ping' ? Opcode.Ping : Opcode.Pong);
        expect(sent).toBe(open);
        if (sent) (action.kind === 'ping' ? peer.sentPings : peer.sentPongs).push(data);
        break;
      }
      case 'close': {
        const started = endpoint.close(action.code, action.reason);
        // A close frame goes out unless one already did (ours, the echo, or a failure's).
        expect(started).toBe(peer.firstCloseCode === undefined);
        if (started) {
          peer.firstCloseCode = action.code ?? 1005;
          peer.stoppedFirst = true;
        }
        break;
      }
      case 'badClose': {
        const before = { state: endpoint.state, failed: endpoint.failed, buffered: endpoint.bufferedBytes };
        if (peer.firstCloseCode === undefined) {
          // Documented: a code or reason that may not be sent throws, and nothing is sent.
          expect(() => endpoint.close(action.code, action.reason)).toThrow(action.code === undefined ? TypeError : RangeError);
        } else {
          // Once a close frame went out, close() is a no-op that does not look at its arguments.
          expect(endpoint.close(action.code, action.reason)).toBe(false);
        }
        expect({ state: endpoint.state, failed: endpoint.failed, buffered: endpoint.bufferedBytes }).toEqual(before);
        break;
      }
      case 'fail': {
        if (endpoint.state === 'open' && !endpoint.failed) {
          peer.stoppedFirst = true;
          peer.firstCloseCode ??= action.code;
        }
        endpoint.fail(action.code, action.reason);
        peer.failedByApp = true;
        expect(endpoint.failed).toBe(true);
        expect(endpoint.closeTransport).toBe(true);
        break;
      }
    }
    peer.pump();
  }

  /** Moves up to `size` bytes from `from`'s wire to the other side, as one read. */
  deliver(from: Side, size: number): void {
    const wire = this.wires[from];
    const bytes = Buffer.concat(wire);
    if (bytes.length === 0) return;
    const chunk = bytes.subarray(0, size);
    wire.length = 0;
    if (chunk.length < bytes.length) wire.push(bytes.subarray(chunk.length));
    const to = this.peers[other(from)];
    // A closed transport reads nothing more: what was in flight is lost, as on TCP.
    if (to.transportClosed) return;
    to.endpoint.receive(Buffer.from(chunk));
    to.pump();
  }

  /** Delivers everything in flight, both ways, until nothing moves. */
  drain(): void {
    while (this.wires.client.length > 0 || this.wires.server.length > 0) {
      this.deliver('client', Number.MAX_SAFE_INTEGER);
      this.deliver('server', Number.MAX_SAFE_INTEGER);
    }
  }
}

function isPrefix<T>(prefix: T[], of: T[]): boolean {
  return prefix.length <= of.length && prefix.every((item, index) => JSON.stringify(item) === JSON.stringify(of[index]));
}

function check(pair: Pair): void {
  for (const name of ['client', 'server'] as const) {
    const peer = pair.peers[name];
    const remote = pair.peers[other(name)];
    expect(peer.violations, `${name}: event rules`).toEqual([]);
    // In order and intact; complete unless this side stopped first (then it heard a prefix).
    expect(isPrefix(peer.messages, remote.sentMessages), `${name}: messages are a prefix of what was sent`).toBe(true);
    if (!peer.stoppedFirst) expect(peer.messages, `${name}: every message arrived`).toEqual(remote.sentMessages);
    // Answers to our pings ('p…'), in order; unsolicited pongs ('u…') as they were sent.
    const answers = peer.pongs.filter((data) => data.startsWith('p'));
    const unsolicited = remote.events.flatMap((event) =>
      event.type === 'pong' ? [Buffer.from(event.data).toString()].filter((data) => data.startsWith('u')) : [],
    );
    expect(isPrefix(answers, peer.sentPings), `${name}: pongs answer our pings in order`).toBe(true);
    expect(isPrefix(unsolicited, peer.sentPongs), `${name}: unsolicited pongs arrive in order`).toBe(true);
    // §5.5.2: every ping the peer read while open is answered, and the answer read before its close frame.
    if (!remote.stoppedFirst && !peer.failedByApp) expect(answers, `${name}: every ping answered`).toEqual(peer.sentPings);
    if (!remote.failedByApp) expect(unsolicited, `${name}: every unsolicited pong arrived`).toEqual(peer.sentPongs);
  }

  const { client, server } = pair.peers;
  for (const [peer, remote] of [
    [client, server],
    [server, client],
  ] as const) {
    // A close frame sent by one side reaches the other, which ends cleanly with its code (§7.1.5, §7.1.6),
    // unless the other side had failed the connection and stopped reading first.
    if (remote.firstCloseCode !== undefined && !peer.failedByApp) {
      expect(peer.endpoint.state).toBe('closed');
      expect(peer.endpoint.outcome()).toMatchObject({ code: remote.firstCloseCode, wasClean: true });
    }
  }
  if (client.endpoint.state === 'closed' && server.endpoint.state === 'closed') {
    // §7.1.1: the server closes TCP first; the client waits for it (unless it failed).
    expect(server.endpoint.closeTransport).toBe(true);
    expect(client.endpoint.closeTransport).toBe(client.failedByApp);
    const [a, b] = [client.endpoint.outcome(), server.endpoint.outcome()];
    expect(a.wasClean && b.wasClean).toBe(true);
    // When one close frame was the echo of the other (§5.5.1), both sides report the same code.
    // Two closes that crossed in flight each report the other's code, which may differ (§7.1.5).
    if (client.echoed || server.echoed) expect(a.code).toBe(b.code);
  }
  // Nobody closed and nobody failed: both are still open and hold nothing.
  if (client.firstCloseCode === undefined && server.firstCloseCode === undefined) {
    for (const peer of [client, server]) {
      expect(peer.endpoint.state).toBe('open');
      expect(peer.endpoint.atRest).toBe(true);
      expect(peer.endpoint.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
    }
  }
}

describe('two endpoints back to back (model test)', () => {
  it('random actions and chunking: messages and pings arrive in order and intact, closes agree, nothing after close', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const pair = new Pair();
        for (const each of actions) pair.apply(each);
        pair.drain();
        check(pair);
      }),
      { numRuns: 300 },
    );
  });

  it('a closing handshake started by either side, with any sendable code, ends clean on both with that code', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 15 }), side, fc.constantFrom(...SENDABLE), (actions, who, code) => {
        const pair = new Pair();
        // Only sends and deliveries before the close, so nothing else closes first.
        for (const each of actions) if (each.kind === 'send' || each.kind === 'deliver' || each.kind === 'ping') pair.apply(each);
        pair.apply({ kind: 'close', side: who, code, reason: 'bye' });
        pair.drain();
        check(pair);
        for (const peer of [pair.peers.client, pair.peers.server]) {
          expect(peer.endpoint.state).toBe('closed');
          expect(peer.endpoint.outcome().code).toBe(code);
        }
        expect(pair.peers.server.endpoint.closeTransport).toBe(true);
        expect(pair.peers.client.endpoint.closeTransport).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
