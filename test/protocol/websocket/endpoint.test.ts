import { describe, expect, it } from 'vitest';
import {
  type EndpointEvent,
  type MaskKeySource,
  Opcode,
  Outgoing,
  ProtocolError,
  type Role,
  WebSocketProtocol,
} from '../../../src/protocol/websocket/index.js';
import { clientFrame, hex, rawFrame } from '../../support/raw-frame.js';

// The endpoint, byte for byte: what goes in is built by hand (raw-frame.ts),
// what comes out is compared as hex. A client endpoint masks with the same fixed
// key clientFrame() uses (37 fa 21 3d, the RFC's §5.7 example key), so its frames
// can be checked against clientFrame() too.

const KEY = [0x37, 0xfa, 0x21, 0x3d];
const fixedMask: MaskKeySource = (target, at) => target.set(KEY, at);

interface Recorded {
  endpoint: WebSocketProtocol<unknown>;
  events: EndpointEvent[];
  /** Hex of everything produced since the last call ('' for nothing). */
  out(): string;
}

function endpoint(
  role: Role,
  options: { maxPayload?: number; maxFragments?: number; onEvent?: (event: EndpointEvent, self: WebSocketProtocol) => void } = {},
): Recorded {
  const events: EndpointEvent[] = [];
  const self: WebSocketProtocol = new WebSocketProtocol(
    {
      role,
      maxPayload: options.maxPayload ?? 1024 * 1024,
      maxFragments: options.maxFragments ?? 1000,
      mask: role === 'client' ? fixedMask : undefined,
    },
    (event) => {
      events.push(event);
      options.onEvent?.(event, self);
    },
  );
  return {
    endpoint: self,
    events,
    out: () => {
      const outgoing = self.takeOutgoing();
      return outgoing ? Buffer.concat(outgoing.chunks).toString('hex') : '';
    },
  };
}

const server = (options?: Parameters<typeof endpoint>[1]): Recorded => endpoint('server', options);
const client = (options?: Parameters<typeof endpoint>[1]): Recorded => endpoint('client', options);

/** A frame as a server sends it (unmasked), as hex. */
const serverHex = (opcode: number, payload: string | Buffer = ''): string => rawFrame({ opcode, payload }).toString('hex');
/** A frame as our client endpoint sends it (masked with KEY), as hex. */
const clientHex = (opcode: number, payload: string | Buffer = ''): string => clientFrame({ opcode, payload }).toString('hex');

/** A close frame's payload: the code, then the reason. */
function closePayload(code: number, reason = ''): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(code);
  return Buffer.concat([bytes, Buffer.from(reason)]);
}

/** What a server endpoint reads from a client: masked frames. */
const fromClient = (opcode: number, payload: string | Buffer = '', more: { fin?: boolean; rsv?: number } = {}): Buffer =>
  clientFrame({ opcode, payload, ...more });

describe('WebSocketProtocol: pings and pongs (§5.5.2, §5.5.3)', () => {
  it('answers a masked ping with an unmasked pong carrying the same data (the RFC §5.7 bytes)', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(hex('89 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(out()).toBe('8a0548656c6c6f');
    expect(events).toEqual([{ type: 'ping', data: Buffer.from('Hello') }]);
  });

  it('answers an empty ping and a 125-byte ping with the same payload', () => {
    const { endpoint: ep, out } = server();
    ep.receive(fromClient(Opcode.Ping));
    expect(out()).toBe('8a00');
    const big = Buffer.alloc(125, 0xfe);
    ep.receive(fromClient(Opcode.Ping, big));
    expect(out()).toBe(serverHex(Opcode.Pong, big));
  });

  it('answers each of several pings in one read, in order, in one batch', () => {
    const { endpoint: ep, out } = server();
    ep.receive(Buffer.concat([fromClient(Opcode.Ping, 'a'), fromClient(Opcode.Ping, 'b'), fromClient(Opcode.Ping, 'c')]));
    expect(out()).toBe(serverHex(Opcode.Pong, 'a') + serverHex(Opcode.Pong, 'b') + serverHex(Opcode.Pong, 'c'));
  });

  it('a client answers with a masked pong, with a fresh key from its MaskKeySource (§5.3)', () => {
    const { endpoint: ep, out } = client();
    ep.receive(hex('89 05 48 65 6c 6c 6f'));
    // RFC 6455 §5.7: "A single-frame masked text message" key, on a pong.
    expect(out()).toBe('8a8537fa213d7f9f4d5158');
  });

  it('passes an unsolicited pong to the application and answers nothing (§5.5.3)', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(fromClient(Opcode.Pong, 'heartbeat'));
    expect(out()).toBe('');
    expect(events).toEqual([{ type: 'pong', data: Buffer.from('heartbeat') }]);
    expect(ep.atRest).toBe(true);
  });

  it('sends no pong once its own close frame went out, though the application still hears the ping', () => {
    const { endpoint: ep, events, out } = server();
    ep.close(1000);
    expect(out()).toBe(serverHex(Opcode.Close, closePayload(1000)));
    ep.receive(fromClient(Opcode.Ping, 'late'));
    expect(out()).toBe('');
    expect(events).toEqual([{ type: 'ping', data: Buffer.from('late') }]);
  });

  it('sends no pong for a ping that follows the peer close frame: nothing after a close is read', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(Buffer.concat([fromClient(Opcode.Close, closePayload(1000)), fromClient(Opcode.Ping, 'late')]));
    expect(out()).toBe('880203e8');
    expect(events).toEqual([{ type: 'close', code: 1000, reason: '' }]);
  });

  it('a pong sent by the application with send()', () => {
    const { endpoint: ep, out } = server();
    expect(ep.send(Buffer.from('beat'), Opcode.Pong)).toBe(true);
    expect(out()).toBe(serverHex(Opcode.Pong, 'beat'));
  });
});

describe('WebSocketProtocol: messages', () => {
  it('hands up a text and a binary message, and drops the parser between messages', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(Buffer.concat([fromClient(Opcode.Text, 'Hello'), fromClient(Opcode.Binary, hex('00 ff'))]));
    expect(events).toEqual([
      { type: 'message', binary: false, data: Buffer.from('Hello'), rsv: 0 },
      { type: 'message', binary: true, data: hex('00 ff'), rsv: 0 },
    ]);
    expect(out()).toBe('');
    expect(ep.atRest).toBe(true);
  });

  it('reads a message split at every byte, and is not at rest in between', () => {
    const { endpoint: ep, events } = server();
    const bytes = fromClient(Opcode.Text, 'split');
    for (let at = 0; at < bytes.length; at++) {
      ep.receive(bytes.subarray(at, at + 1));
      if (at < bytes.length - 1) expect(ep.atRest).toBe(false);
    }
    expect(ep.atRest).toBe(true);
    expect(events).toEqual([{ type: 'message', binary: false, data: Buffer.from('split'), rsv: 0 }]);
  });

  it('is not at rest in the middle of a fragmented message, and at rest once it is whole', () => {
    const { endpoint: ep, events } = server();
    ep.receive(fromClient(Opcode.Text, 'frag', { fin: false }));
    expect(ep.atRest).toBe(false);
    ep.receive(fromClient(Opcode.Continuation, 'ment'));
    expect(ep.atRest).toBe(true);
    expect(events).toEqual([{ type: 'message', binary: false, data: Buffer.from('fragment'), rsv: 0 }]);
  });

  it('sends text and binary frames, server unmasked and client masked', () => {
    const s = server();
    expect(s.endpoint.send(Buffer.from('Hello'), Opcode.Text)).toBe(true);
    expect(s.endpoint.send(hex('01 02'), Opcode.Binary)).toBe(true);
    expect(s.out()).toBe('810548656c6c6f' + '82020102');
    const c = client();
    expect(c.endpoint.send(Buffer.from('Hello'), Opcode.Text)).toBe(true);
    expect(c.endpoint.send(Buffer.from('Hi'), Opcode.Ping)).toBe(true);
    // §5.7: "A single-frame masked text message".
    expect(c.out()).toBe('818537fa213d7f9f4d5158' + clientHex(Opcode.Ping, 'Hi'));
  });

  it('does not scramble the bytes the client application passed to send', () => {
    const c = client();
    const payload = Buffer.from('Hello');
    c.endpoint.send(payload, Opcode.Binary);
    expect(payload.toString()).toBe('Hello');
  });

  it('counts the bytes waiting in bufferedBytes until the carrier takes them', () => {
    const { endpoint: ep, out } = server();
    expect(ep.bufferedBytes).toBe(0);
    ep.send(Buffer.from('Hello'), Opcode.Text);
    ep.send(Buffer.alloc(200), Opcode.Binary);
    expect(ep.bufferedBytes).toBe(2 + 5 + 4 + 200);
    expect(ep.atRest).toBe(false);
    out();
    expect(ep.bufferedBytes).toBe(0);
    expect(ep.atRest).toBe(true);
    expect(ep.takeOutgoing()).toBeUndefined();
  });

  it('sendFrame queues a frame encoded beforehand, as it is', () => {
    const { endpoint: ep, out } = server();
    const frame = rawFrame({ opcode: Opcode.Text, payload: 'shared' });
    expect(ep.sendFrame(frame)).toBe(true);
    expect(out()).toBe(frame.toString('hex'));
  });

  it('sendFrame throws on a client endpoint (its frames need a fresh mask each), queuing nothing', () => {
    const { endpoint: ep, out } = client();
    expect(() => ep.sendFrame(rawFrame({ opcode: Opcode.Text, payload: 'x' }))).toThrow(TypeError);
    expect(out()).toBe('');
  });

  it('calls the event callback with `this` set to the receiver', () => {
    const receiver = { name: 'owner' };
    let seen: unknown;
    const ep = new WebSocketProtocol<typeof receiver>(
      { role: 'server', maxPayload: 1024, maxFragments: 4, mask: undefined },
      function (this: typeof receiver) {
        seen = this;
      },
      receiver,
    );
    ep.receive(fromClient(Opcode.Text, 'x'));
    expect(seen).toBe(receiver);
  });

  it('lets an exception from the event callback (not a protocol error) pass through receive, failing nothing', () => {
    const boom = new Error('listener bug');
    const ep = new WebSocketProtocol({ role: 'server', maxPayload: 1024, maxFragments: 4, mask: undefined }, () => {
      throw boom;
    });
    expect(() => ep.receive(fromClient(Opcode.Text, 'x'))).toThrow(boom);
    expect(ep.failed).toBe(false);
    expect(ep.state).toBe('open');
    expect(ep.takeOutgoing()).toBeUndefined();
  });
});

describe('WebSocketProtocol: the closing handshake (§5.5.1, §7.1.2–§7.1.6)', () => {
  it('echoes the peer close with its status code (not its reason), then reads nothing more', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(Buffer.concat([fromClient(Opcode.Close, closePayload(4001, 'going away')), fromClient(Opcode.Text, 'after')]));
    expect(out()).toBe('88020fa1');
    expect(events).toEqual([{ type: 'close', code: 4001, reason: 'going away' }]);
    expect(ep.state).toBe('closed');
    expect(ep.outcome()).toEqual({ code: 4001, reason: 'going away', wasClean: true });
    ep.receive(fromClient(Opcode.Ping, 'more'));
    expect(out()).toBe('');
    expect(events).toHaveLength(1);
  });

  it('echoes an empty close with an empty close (the peer sent no code: 1005, which is never sent, §7.4.1)', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(fromClient(Opcode.Close));
    expect(out()).toBe('8800');
    expect(events).toEqual([{ type: 'close', code: 1005, reason: '' }]);
    expect(ep.outcome()).toEqual({ code: 1005, reason: '', wasClean: true });
  });

  it('a client echoes the server close masked', () => {
    const { endpoint: ep, out } = client();
    ep.receive(rawFrame({ opcode: Opcode.Close, payload: closePayload(1001, 'bye') }));
    expect(out()).toBe(clientHex(Opcode.Close, closePayload(1001)));
  });

  it('the peer closes first: the server closes the transport (§7.1.1), the client waits for it', () => {
    const s = server();
    s.endpoint.receive(fromClient(Opcode.Close, closePayload(1000)));
    expect(s.endpoint.state).toBe('closed');
    expect(s.endpoint.closeTransport).toBe(true);
    const c = client();
    c.endpoint.receive(rawFrame({ opcode: Opcode.Close, payload: closePayload(1000) }));
    expect(c.endpoint.state).toBe('closed');
    expect(c.endpoint.closeTransport).toBe(false);
    expect(c.endpoint.failed).toBe(false);
  });

  it('our close first, then the peer: open → closing → closed; the server closes the transport, the client does not', () => {
    const s = server();
    expect(s.endpoint.state).toBe('open');
    expect(s.endpoint.close(1000, 'done')).toBe(true);
    expect(s.out()).toBe(serverHex(Opcode.Close, closePayload(1000, 'done')));
    expect(s.endpoint.state).toBe('closing');
    expect(s.endpoint.closeTransport).toBe(false);
    expect(s.endpoint.atRest).toBe(false);
    s.endpoint.receive(fromClient(Opcode.Close, closePayload(1000)));
    // Our close went first: nothing is echoed.
    expect(s.out()).toBe('');
    expect(s.endpoint.state).toBe('closed');
    expect(s.endpoint.closeTransport).toBe(true);
    expect(s.endpoint.outcome()).toEqual({ code: 1000, reason: '', wasClean: true });

    const c = client();
    c.endpoint.close(4000, 'bye');
    expect(c.out()).toBe(clientHex(Opcode.Close, closePayload(4000, 'bye')));
    c.endpoint.receive(rawFrame({ opcode: Opcode.Close, payload: closePayload(4000) }));
    expect(c.out()).toBe('');
    expect(c.endpoint.state).toBe('closed');
    expect(c.endpoint.closeTransport).toBe(false);
    expect(c.endpoint.outcome()).toEqual({ code: 4000, reason: '', wasClean: true });
  });

  it('close() without a code sends an empty close frame', () => {
    const { endpoint: ep, out } = server();
    expect(ep.close()).toBe(true);
    expect(out()).toBe('8800');
  });

  it('close() a second time sends nothing and returns false', () => {
    const { endpoint: ep, out } = server();
    ep.close(1000);
    out();
    expect(ep.close(1001)).toBe(false);
    expect(out()).toBe('');
  });

  it('close() throws on a code or reason that may not be sent, and sends nothing', () => {
    const { endpoint: ep, out } = server();
    expect(() => ep.close(1006)).toThrow(RangeError);
    expect(() => ep.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => ep.close(undefined, 'why')).toThrow(TypeError);
    expect(ep.state).toBe('open');
    expect(out()).toBe('');
    // Still usable.
    expect(ep.send(Buffer.from('ok'), Opcode.Text)).toBe(true);
    expect(ep.close(1000)).toBe(true);
  });

  it('close() that throws leaves the endpoint at rest', () => {
    const { endpoint: ep } = server();
    expect(() => ep.close(1006)).toThrow(RangeError);
    expect(ep.atRest).toBe(true);
  });

  it('the peer close while our message is half read: the message is never handed up', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(Buffer.concat([fromClient(Opcode.Text, 'frag', { fin: false }), fromClient(Opcode.Close, closePayload(1000))]));
    expect(events).toEqual([{ type: 'close', code: 1000, reason: '' }]);
    expect(out()).toBe('880203e8');
  });

  it('after our close, messages from the peer are not handed up; its pongs still are', () => {
    const { endpoint: ep, events } = server();
    ep.close(1000);
    ep.receive(Buffer.concat([fromClient(Opcode.Text, 'late'), fromClient(Opcode.Pong, 'p')]));
    expect(events).toEqual([{ type: 'pong', data: Buffer.from('p') }]);
  });

  it('send and sendFrame return false and queue nothing once a close frame went out (ours or the echo)', () => {
    const ours = server();
    ours.endpoint.close(1000);
    ours.out();
    const callback = (): void => {
      throw new Error('not to be called');
    };
    expect(ours.endpoint.send(Buffer.from('x'), Opcode.Text, callback)).toBe(false);
    expect(ours.endpoint.send(Buffer.from('x'), Opcode.Ping)).toBe(false);
    expect(ours.endpoint.sendFrame(rawFrame({ opcode: Opcode.Text, payload: 'x' }), callback)).toBe(false);
    expect(ours.endpoint.bufferedBytes).toBe(0);
    expect(ours.out()).toBe('');

    const echoed = server();
    echoed.endpoint.receive(fromClient(Opcode.Close, closePayload(1000)));
    echoed.out();
    expect(echoed.endpoint.send(Buffer.from('x'), Opcode.Binary)).toBe(false);
    expect(echoed.out()).toBe('');
  });

  it('a close frame from the peer is the last event, even with bytes after it in the same read', () => {
    const { endpoint: ep, events } = server();
    ep.receive(Buffer.concat([fromClient(Opcode.Close), hex('ff ff ff ff')]));
    expect(events.map((event) => event.type)).toEqual(['close']);
    expect(ep.failed).toBe(false);
  });
});

describe('WebSocketProtocol: failing the connection (§7.1.7)', () => {
  // One unmasked close frame with `code` and the error's message as its reason.
  function expectOneClose(out: string, code: number): void {
    const bytes = Buffer.from(out, 'hex');
    expect(bytes[0]).toBe(0x88);
    expect(bytes[1]).toBe(bytes.length - 2);
    expect(bytes.readUInt16BE(2)).toBe(code);
  }

  const cases: [string, Buffer[], number, { maxPayload?: number; maxFragments?: number }?][] = [
    ['an unmasked client frame: 1002', [rawFrame({ opcode: Opcode.Text, payload: 'x' })], 1002],
    ['a reserved opcode: 1002', [fromClient(0x3)], 1002],
    ['RSV bits without an extension: 1002', [fromClient(Opcode.Text, 'x', { rsv: 4 })], 1002],
    ['a fragmented ping: 1002', [fromClient(Opcode.Ping, 'x', { fin: false })], 1002],
    ['a close with a 1-byte payload: 1002', [fromClient(Opcode.Close, hex('03'))], 1002],
    ['a close with code 1006: 1002', [fromClient(Opcode.Close, closePayload(1006))], 1002],
    ['invalid UTF-8 in a text message: 1007', [fromClient(Opcode.Text, hex('ce ba ed a0 80'))], 1007],
    ['a close reason that is not UTF-8: 1007', [fromClient(Opcode.Close, Buffer.concat([closePayload(1000), hex('ff')]))], 1007],
    ['a message over maxPayload: 1009', [fromClient(Opcode.Binary, Buffer.alloc(17))], 1009, { maxPayload: 16 }],
    [
      'a message in more than maxFragments frames: 1009',
      [fromClient(Opcode.Text, 'a', { fin: false }), fromClient(Opcode.Continuation, 'b', { fin: false }), fromClient(Opcode.Continuation, 'c')],
      1009,
      { maxFragments: 2 },
    ],
  ];
  for (const [name, frames, code, limits] of cases) {
    it(`${name}: an error event, one close frame, failed, transport closed`, () => {
      const { endpoint: ep, events, out } = server(limits);
      ep.receive(Buffer.concat(frames));
      expect(events).toHaveLength(1);
      const event = events[0];
      expect(event.type).toBe('error');
      if (event.type !== 'error') return;
      expect(event.error).toBeInstanceOf(ProtocolError);
      expect(event.error.closeCode).toBe(code);
      const bytes = out();
      expectOneClose(bytes, code);
      // The reason is the error's message.
      expect(Buffer.from(bytes, 'hex').subarray(4).toString()).toBe(event.error.message);
      expect(ep.failed).toBe(true);
      expect(ep.closeTransport).toBe(true);
      expect(ep.state).toBe('closing');
      expect(ep.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
    });
  }

  it('a message before the violation in the same read is handed up, its ping answered; nothing after it', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(
      Buffer.concat([fromClient(Opcode.Text, 'ok'), fromClient(Opcode.Ping, 'p'), fromClient(0xb), fromClient(Opcode.Ping, 'q')]),
    );
    expect(events.map((event) => event.type)).toEqual(['message', 'ping', 'error']);
    const bytes = out();
    const pong = serverHex(Opcode.Pong, 'p');
    expect(bytes.startsWith(pong)).toBe(true);
    expectOneClose(bytes.slice(pong.length), 1002);
  });

  it('ignores every byte after a failure: no event, no pong, no second close', () => {
    const { endpoint: ep, events, out } = server();
    ep.receive(fromClient(0x3));
    out();
    ep.receive(fromClient(Opcode.Ping, 'late'));
    ep.receive(fromClient(Opcode.Close, closePayload(1000)));
    ep.receive(fromClient(0x4));
    expect(events).toHaveLength(1);
    expect(out()).toBe('');
    expect(ep.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('a client fails on a masked server frame (§5.1), and closes the transport too', () => {
    const { endpoint: ep, events, out } = client();
    ep.receive(clientFrame({ opcode: Opcode.Text, payload: 'x' }));
    expect(events[0]?.type).toBe('error');
    const reason = 'Server frames must not be masked';
    expect(out()).toBe(clientHex(Opcode.Close, closePayload(1002, reason)));
    expect(ep.closeTransport).toBe(true);
  });

  it('a violation while closing: no second close frame, but failed and the transport closed', () => {
    const { endpoint: ep, events, out } = client();
    ep.close(1000);
    out();
    ep.receive(hex('83 00'));
    expect(events.map((event) => event.type)).toEqual(['error']);
    expect(out()).toBe('');
    expect(ep.failed).toBe(true);
    expect(ep.closeTransport).toBe(true);
    expect(ep.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('fail(code, reason) from the application: a close frame with both, failed, nothing more read', () => {
    const { endpoint: ep, events, out } = server();
    ep.fail(1008, 'Send buffer limit reached');
    expect(out()).toBe(serverHex(Opcode.Close, closePayload(1008, 'Send buffer limit reached')));
    expect(ep.failed).toBe(true);
    expect(ep.closeTransport).toBe(true);
    expect(ep.state).toBe('closing');
    ep.receive(fromClient(Opcode.Ping, 'p'));
    ep.receive(fromClient(Opcode.Close, closePayload(1000)));
    expect(events).toEqual([]);
    expect(out()).toBe('');
    expect(ep.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('fail() a second time, or after a close frame went out, sends nothing more', () => {
    const { endpoint: ep, out } = server();
    ep.fail(1008, 'first');
    out();
    ep.fail(1011, 'second');
    expect(out()).toBe('');
    const closed = server();
    closed.endpoint.close(1000);
    closed.out();
    closed.endpoint.fail(1011, 'late');
    expect(closed.out()).toBe('');
    expect(closed.endpoint.failed).toBe(true);
    expect(closed.endpoint.closeTransport).toBe(true);
  });

  it('fail() after both close frames crossed keeps the clean outcome', () => {
    const c = client();
    c.endpoint.receive(rawFrame({ opcode: Opcode.Close, payload: closePayload(1000) }));
    c.out();
    c.endpoint.fail(1011, 'late');
    expect(c.out()).toBe('');
    expect(c.endpoint.closeTransport).toBe(true);
    expect(c.endpoint.outcome()).toEqual({ code: 1000, reason: '', wasClean: true });
  });

  it('send and sendFrame return false and queue nothing after a failure', () => {
    const { endpoint: ep, out } = server();
    ep.receive(fromClient(0x3));
    out();
    expect(ep.send(Buffer.from('x'), Opcode.Text)).toBe(false);
    expect(ep.sendFrame(rawFrame({ opcode: Opcode.Text, payload: 'x' }))).toBe(false);
    expect(ep.close(1000)).toBe(false);
    expect(out()).toBe('');
  });

  it('a failure reason over 123 bytes goes without a reason (§5.5: a control frame carries at most 125 bytes)', () => {
    const long = server();
    long.endpoint.fail(1011, 'x'.repeat(124));
    expect(long.out()).toBe('880203f3');
    // Bytes, not characters: 62 two-byte characters are 124 bytes.
    const wide = server();
    wide.endpoint.fail(1011, 'é'.repeat(62));
    expect(wide.out()).toBe('880203f3');
    const fits = server();
    fits.endpoint.fail(1011, 'x'.repeat(123));
    expect(fits.out()).toBe(serverHex(Opcode.Close, closePayload(1011, 'x'.repeat(123))));
  });

  it('fail() from inside an event stops the read: the rest of that chunk is not handed up or answered', () => {
    const { endpoint: ep, events, out } = server({
      onEvent: (event, self) => {
        if (event.type === 'message') self.fail(1008, 'policy');
      },
    });
    ep.receive(Buffer.concat([fromClient(Opcode.Text, 'one'), fromClient(Opcode.Ping, 'p'), fromClient(Opcode.Text, 'two')]));
    expect(events.map((event) => event.type)).toEqual(['message']);
    expect(out()).toBe(serverHex(Opcode.Close, closePayload(1008, 'policy')));
    expect(ep.failed).toBe(true);
  });

  it('fail() from inside an event: a violation later in the same chunk raises no error event', () => {
    const { endpoint: ep, events } = server({
      onEvent: (event, self) => {
        if (event.type === 'message') self.fail(1008, 'policy');
      },
    });
    ep.receive(Buffer.concat([fromClient(Opcode.Text, 'one'), fromClient(0x3)]));
    expect(events.map((event) => event.type)).toEqual(['message']);
  });

  it('fail() with a code that may not be sent throws and changes nothing', () => {
    const { endpoint: ep, out } = server();
    expect(() => ep.fail(1006, 'x')).toThrow(RangeError);
    expect(ep.failed).toBe(false);
    expect(out()).toBe('');
  });
});

describe('WebSocketProtocol: at rest and outcome', () => {
  it('a new endpoint is open, at rest, not failed, and would report 1006', () => {
    const { endpoint: ep } = server();
    expect(ep.state).toBe('open');
    expect(ep.atRest).toBe(true);
    expect(ep.failed).toBe(false);
    expect(ep.closeTransport).toBe(false);
    expect(ep.bufferedBytes).toBe(0);
    expect(ep.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('at rest after a ping is answered and the pong taken; not at rest while the pong waits', () => {
    const { endpoint: ep, out } = server();
    ep.receive(fromClient(Opcode.Ping));
    expect(ep.atRest).toBe(false);
    out();
    expect(ep.atRest).toBe(true);
  });

  it('not at rest while a frame header is half read', () => {
    const { endpoint: ep } = server();
    ep.receive(fromClient(Opcode.Text, 'x').subarray(0, 1));
    expect(ep.atRest).toBe(false);
  });

  it('never at rest again once a close began, or after a failure (the carrier keeps it to the end)', () => {
    const closing = server();
    closing.endpoint.close(1000);
    closing.out();
    expect(closing.endpoint.atRest).toBe(false);
    const failed = server();
    failed.endpoint.receive(fromClient(0x3));
    failed.out();
    expect(failed.endpoint.atRest).toBe(false);
  });

  it('a fresh endpoint reads the rest of a stream the same as one kept: at rest means dropping it loses nothing', () => {
    const stream = [fromClient(Opcode.Text, 'a'), fromClient(Opcode.Ping, 'b'), fromClient(Opcode.Binary, hex('01'))];
    const kept = server();
    for (const frame of stream) kept.endpoint.receive(Buffer.from(frame));
    const all: EndpointEvent[] = [];
    let bytes = '';
    for (const frame of stream) {
      const fresh = server();
      expect(fresh.endpoint.atRest).toBe(true);
      fresh.endpoint.receive(Buffer.from(frame));
      bytes += fresh.out();
      expect(fresh.endpoint.atRest).toBe(true);
      all.push(...fresh.events);
    }
    expect(all).toEqual(kept.events);
    expect(bytes).toBe(kept.out());
  });

  it('outcome for each ending: nothing (1006), clean (the peer code), our close unanswered (1006, not clean)', () => {
    expect(server().endpoint.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
    const clean = server();
    clean.endpoint.receive(fromClient(Opcode.Close, closePayload(3000, 'fine')));
    expect(clean.endpoint.outcome()).toEqual({ code: 3000, reason: 'fine', wasClean: true });
    const unanswered = client();
    unanswered.endpoint.close(1000);
    expect(unanswered.endpoint.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
    const failed = client();
    failed.endpoint.fail(1011, 'oops');
    expect(failed.endpoint.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
  });
  it('serves another receiver once at rest (reuse), and refuses while it holds something', () => {
    const heard: string[] = [];
    function onEvent(this: string, event: EndpointEvent): void {
      if (event.type === 'message') heard.push(`${this}: ${event.data.toString()}`);
    }
    const ep = new WebSocketProtocol<string>({ role: 'server', maxPayload: 1024, maxFragments: 10, mask: undefined }, onEvent, 'first');
    const frame = fromClient(Opcode.Text, 'abc');
    ep.receive(frame.subarray(0, 3));
    expect(() => ep.reuse('second')).toThrow(/at rest/);
    ep.receive(frame.subarray(3));
    ep.reuse('second');
    expect(ep.framesRead).toBe(0);
    ep.receive(fromClient(Opcode.Text, 'def'));
    expect(heard).toEqual(['first: abc', 'second: def']);
  });
});

describe('Outgoing', () => {
  it('keeps chunks in order, counts bytes, and settle() tells every callback once', () => {
    const batch = new Outgoing();
    const calls: [string, unknown][] = [];
    batch.push([hex('81 01'), hex('61')], (error) => calls.push(['a', error]));
    batch.push([hex('89 00')]);
    batch.push([hex('82 00')], (error) => calls.push(['b', error]));
    expect(batch.bytes).toBe(7);
    expect(Buffer.concat(batch.chunks).toString('hex')).toBe('8101618900' + '8200');
    const failure = new Error('socket gone');
    batch.settle(failure);
    expect(calls).toEqual([
      ['a', failure],
      ['b', failure],
    ]);
    batch.settle(null);
    expect(calls).toHaveLength(2);
  });

  it('settle() without callbacks does nothing; with no error it passes undefined', () => {
    new Outgoing().settle();
    const batch = new Outgoing();
    let seen: unknown = 'unset';
    batch.push([hex('8a 00')], (error) => (seen = error));
    batch.settle();
    expect(seen).toBeUndefined();
  });

  it('the endpoint hands the callbacks of its sends to the batch that carries them', () => {
    const { endpoint: ep } = server();
    const written: string[] = [];
    ep.send(Buffer.from('a'), Opcode.Text, () => written.push('a'));
    ep.sendFrame(rawFrame({ opcode: Opcode.Text, payload: 'b' }), () => written.push('b'));
    const batch = ep.takeOutgoing();
    expect(written).toEqual([]);
    batch?.settle(null);
    expect(written).toEqual(['a', 'b']);
  });
});
