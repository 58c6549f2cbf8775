// Faults a server meets in production, staged with raw TCP peers: a peer that
// stops reading, one that vanishes mid-frame, a half-open one found by the
// heartbeat, handshakes that never finish, oversized heads, protocol errors.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, ProtocolError } from '../../src/protocol/websocket/index.js';
import {
  Heartbeat,
  heartbeatClock,
  type SendResult,
  type WebSocketConnection,
  WebSocketServer,
  type WebSocketServerOptions,
} from '../../src/websocket/index.js';
import {
  bytesTaken,
  giveUp,
  type HeartbeatPeer,
  type MessageInProgress,
  lastSeen,
  messageInProgress,
  messageTimedOut,
  pingSentAt,
  sendPing,
  writeBacklog,
} from '../../src/websocket/heartbeat.js';
import { clientFrame, rawFrame } from '../support/raw-frame.js';
import {
  type RawPeer,
  closeServer,
  openClient,
  portOf,
  rawExchange,
  rawHandshake,
  sleep,
  upgradeRequest,
  waitFor,
} from '../support/raw-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type ServerOptions = Omit<WebSocketServerOptions, 'port' | 'host' | 'server' | 'noServer'>;

async function listening(options: ServerOptions = {}): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, ...options });
  cleanups.push(() => closeServer(wss));
  await once(wss, 'listening');
  return wss;
}

interface Session {
  peer: RawPeer;
  /** The server's side of the same connection. */
  connection: WebSocketConnection;
  /** Resolves with the server side's close event. */
  closed: Promise<{ code: number; reason: string; wasClean: boolean; at: number }>;
  openedAt: number;
}

/** A raw peer connected to `wss`, with the server's side of the connection. */
async function session(wss: WebSocketServer, path = '/'): Promise<Session> {
  let openedAt = 0;
  const accepted = new Promise<WebSocketConnection>((resolve) =>
    wss.once('connection', (connection: WebSocketConnection) => {
      openedAt = Date.now();
      resolve(connection);
    }),
  );
  const peer = await rawHandshake(portOf(wss), path);
  cleanups.push(() => void peer.socket.destroy());
  const connection = await accepted;
  const closed = new Promise<{ code: number; reason: string; wasClean: boolean; at: number }>((resolve) =>
    connection.once('close', (code: number, reason: string, wasClean: boolean) => resolve({ code, reason, wasClean, at: Date.now() })),
  );
  return { peer, connection, closed, openedAt };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A binary message whose first four bytes number it. */
function numbered(sequence: number, size: number): Buffer {
  const message = Buffer.alloc(size, 0x61);
  message.writeUInt32BE(sequence, 0);
  return message;
}

describe('a peer that stops reading', () => {
  const LIMIT = 1024 * 1024;
  const MESSAGE = 64 * 1024;
  /** A 64 KiB message as a frame: §5.2 uses the 64-bit length form from 65,536 bytes on. */
  const FRAME = MESSAGE + 10;

  /**
   * Sends one numbered message per turn of the event loop, as a producer
   * would, until a send is dropped; the kernel's buffers fill first.
   */
  async function sendUntilDropped(connection: WebSocketConnection): Promise<{ results: SendResult[]; maxBuffered: number }> {
    const results: SendResult[] = [];
    let maxBuffered = 0;
    // Loopback buffers hold a few MiB at most; 4,000 × 64 KiB would mean no backpressure at all.
    for (let sequence = 0; sequence < 4000; sequence++) {
      const result = connection.send(numbered(sequence, MESSAGE));
      results.push(result);
      maxBuffered = Math.max(maxBuffered, connection.bufferedAmount);
      if (result === 'dropped') break;
      await nextTurn();
    }
    return { results, maxBuffered };
  }

  it("onBufferLimit 'close': fails with 1008 once bufferedAmount would pass the limit, memory bounded", async () => {
    const wss = await listening({ maxBufferedAmount: LIMIT, onBufferLimit: 'close', closeTimeout: 5000 });
    const { peer, connection, closed } = await session(wss);
    peer.socket.pause();
    const { results, maxBuffered } = await sendUntilDropped(connection);

    expect(results.at(-1)).toBe('dropped');
    expect(results).toContain('queued');
    expect(maxBuffered).toBeLessThanOrEqual(LIMIT + FRAME);
    expect(connection.readyState).toBe(connection.CLOSING);
    // Nothing more is accepted while closing.
    expect(connection.send('late')).toBe('dropped');

    // The peer reads again, within the second it is given: every accepted message,
    // in order, then the close frame, then the end of TCP (§7.1.7: the connection failed).
    peer.socket.resume();
    await waitFor(() => peer.closed, 'the server to close TCP', 10_000);
    const accepted = results.filter((result) => result !== 'dropped').length;
    const messages = peer.frames.of('message');
    expect(messages.map((message) => message.data.readUInt32BE(0))).toEqual([...Array(accepted).keys()]);
    expect(peer.frames.of('close')).toEqual([{ type: 'close', code: CloseCode.PolicyViolation, reason: 'Send buffer limit reached' }]);
    expect(peer.frames.error).toBeUndefined();
    // No closing handshake is waited for: the server stopped reading the peer.
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    expect(wss.clients.has(connection)).toBe(false);
  });

  it("onBufferLimit 'close': a peer that never reads again is destroyed within a second, not after closeTimeout", async () => {
    const wss = await listening({ maxBufferedAmount: LIMIT, onBufferLimit: 'close', closeTimeout: 60_000 });
    const { peer, connection, closed } = await session(wss);
    peer.socket.pause();
    const { results } = await sendUntilDropped(connection);
    expect(results.at(-1)).toBe('dropped');
    const droppedAt = Date.now();
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    // FAIL_GRACE is 1 s; generous slack for a loaded machine, far below the 60 s closeTimeout.
    expect(Date.now() - droppedAt).toBeLessThan(10_000);
    expect(connection.bufferedAmount).toBe(0);
  });

  it("onBufferLimit 'drop': sends past the limit are dropped and the connection stays open", async () => {
    const wss = await listening({ maxBufferedAmount: LIMIT, onBufferLimit: 'drop' });
    const { peer, connection } = await session(wss);
    peer.socket.pause();
    const { results, maxBuffered } = await sendUntilDropped(connection);
    expect(results.at(-1)).toBe('dropped');
    expect(maxBuffered).toBeLessThanOrEqual(LIMIT + FRAME);
    const accepted = results.length - 1;
    // Still over the limit: more sends are dropped, each with an error for its callback.
    const errors: (Error | null | undefined)[] = [];
    for (let i = 0; i < 5; i++) expect(connection.send(numbered(99_999, MESSAGE), (error) => errors.push(error))).toBe('dropped');
    expect(errors.map((error) => error?.message)).toEqual(Array(5).fill('Send buffer limit reached'));
    await sleep(20);
    expect(connection.readyState).toBe(connection.OPEN);
    expect(connection.bufferedAmount).toBeLessThanOrEqual(LIMIT);

    // Once the peer reads, 'drain' fires and sending works again.
    const drained = once(connection, 'drain');
    peer.socket.resume();
    await drained;
    expect(connection.bufferedAmount).toBe(0);
    expect(connection.send(numbered(accepted, 16))).toBe('sent');
    await waitFor(() => peer.frames.of('message').length === accepted + 1, 'every accepted message', 10_000);
    expect(peer.frames.of('message').map((message) => message.data.readUInt32BE(0))).toEqual([...Array(accepted + 1).keys()]);
    expect(peer.frames.of('close')).toEqual([]);
    expect(connection.readyState).toBe(connection.OPEN);
  });

  it('a stalled peer that then half-closes (FIN) is dropped after closeTimeout, not kept forever', async () => {
    const wss = await listening({ closeTimeout: 300 });
    const { peer, connection, closed } = await session(wss);
    peer.socket.pause();
    // Enough to fill the loopback buffers, so our FIN cannot follow the data out.
    for (let sequence = 0; sequence < 4000 && connection.bufferedAmount < 2 * LIMIT; sequence++) {
      connection.send(numbered(sequence, MESSAGE));
      await nextTurn();
    }
    expect(connection.bufferedAmount).toBeGreaterThanOrEqual(2 * LIMIT);
    const endedAt = Date.now();
    peer.socket.end();
    const outcome = await closed;
    expect(outcome).toMatchObject({ code: 1006, wasClean: false });
    expect(outcome.at - endedAt).toBeLessThan(2000);
    expect(wss.clients.has(connection)).toBe(false);
  });

  it("send returns 'queued' under backpressure and 'drain' fires once the peer reads again", async () => {
    const wss = await listening();
    const { peer, connection } = await session(wss);
    peer.socket.pause();
    let drains = 0;
    connection.on('drain', () => drains++);
    // 8 KiB messages fit under the socket's high-water mark while the kernel absorbs them.
    const results: SendResult[] = [];
    for (let sequence = 0; sequence < 8000 && results.at(-1) !== 'queued'; sequence++) {
      results.push(connection.send(numbered(sequence, 8 * 1024)));
      await nextTurn();
    }
    expect(results[0]).toBe('sent');
    expect(results.at(-1)).toBe('queued');
    expect(connection.bufferedAmount).toBeGreaterThan(0);
    await sleep(50);
    expect(drains).toBe(0);

    peer.socket.resume();
    await waitFor(() => drains === 1, "'drain'");
    expect(connection.bufferedAmount).toBe(0);
    await waitFor(() => peer.frames.of('message').length === results.length, 'every message');
    expect(connection.send('after')).toBe('sent');
    await sleep(20);
    expect(drains).toBe(1);
  });
});

describe('a peer that vanishes mid-frame', () => {
  it.each([
    { how: 'FIN', leave: (peer: RawPeer) => peer.socket.destroy() },
    { how: 'RST', leave: (peer: RawPeer) => peer.socket.resetAndDestroy() },
  ])('($how) closes the server side with 1006, not clean, and leaves clients', async ({ leave }) => {
    const wss = await listening();
    const { peer, connection, closed } = await session(wss);
    let messages = 0;
    connection.on('message', () => messages++);
    const errors: Error[] = [];
    connection.on('error', (error: Error) => errors.push(error));
    const frame = clientFrame({ opcode: 0x2, payload: Buffer.alloc(1000, 7) });
    peer.socket.write(frame.subarray(0, 500));
    await sleep(20);
    expect(wss.clients.has(connection)).toBe(true);
    leave(peer);
    expect(await closed).toMatchObject({ code: 1006, reason: '', wasClean: false });
    expect(messages).toBe(0);
    expect(connection.readyState).toBe(connection.CLOSED);
    expect(wss.clients.has(connection)).toBe(false);
    expect(wss.clients.size).toBe(0);
    for (const error of errors) expect(error).not.toBeInstanceOf(ProtocolError);
  });
});

describe('heartbeat over the network', () => {
  const heartbeat = { interval: 100, timeout: 100 };

  it('terminates a half-open peer that never answers pings, within interval + timeout + slack', async () => {
    const wss = await listening({ heartbeat });
    const { peer, connection, closed, openedAt } = await session(wss);
    const outcome = await closed;
    const elapsed = outcome.at - openedAt;
    expect(outcome).toMatchObject({ code: 1006, wasClean: false });
    // Never before a ping went unanswered for `timeout` (the first ping comes within the
    // interval, at a point spread over it: see 'spreads first pings')…
    expect(elapsed).toBeGreaterThanOrEqual(heartbeat.timeout - 5);
    // …and well within the bound (generous: a loaded CI machine must not flake).
    expect(elapsed).toBeLessThan(2000);
    expect(peer.frames.of('ping').length).toBeGreaterThanOrEqual(1);
    await waitFor(() => peer.closed, 'the peer to see the connection drop');
    expect(wss.clients.has(connection)).toBe(false);
  });

  it('keeps a peer that answers pings connected across several intervals', async () => {
    // Short interval, long timeout: a pong slowed by a loaded machine is still in time.
    const wss = await listening({ heartbeat: { interval: 50, timeout: 10_000 } });
    const { peer, connection } = await session(wss);
    let answered = 0;
    peer.socket.on('data', () => {
      // §5.5.3: a pong carries the ping's application data.
      for (const ping of peer.frames.of('ping').slice(answered)) {
        peer.socket.write(clientFrame({ opcode: 0xa, payload: ping.data }));
        answered++;
      }
    });
    await waitFor(() => answered >= 3, 'three pings answered');
    expect(connection.readyState).toBe(connection.OPEN);
    expect(peer.closed).toBe(false);
    expect(wss.clients.has(connection)).toBe(true);
  });

  it('keeps a peer that ignores pings but sends data connected', async () => {
    // Watched for longer than interval + timeout, so a peer ignoring pings would have been
    // dropped if its data did not count; the 400 ms timeout leaves room for a loaded machine.
    const wss = await listening({ heartbeat: { interval: 100, timeout: 400 } });
    const { peer, connection } = await session(wss);
    const chatter = setInterval(() => peer.socket.write(clientFrame({ opcode: 0x1, payload: 'still here' })), 40);
    cleanups.push(() => clearInterval(chatter));
    let messages = 0;
    connection.on('message', () => messages++);
    await sleep(1200);
    expect(messages).toBeGreaterThanOrEqual(5);
    expect(connection.readyState).toBe(connection.OPEN);
    expect(peer.closed).toBe(false);
  });
});

describe('Heartbeat.check with explicit time', () => {
  /** A peer seen through the heartbeat's eyes: its clock fields, its write backlog, what was done to it. */
  class FakePeer implements HeartbeatPeer {
    [lastSeen]: number;
    [pingSentAt] = 0;
    [writeBacklog] = 0;
    [bytesTaken] = 0;
    [messageInProgress]: MessageInProgress | undefined;
    pings = 0;
    terminated = false;
    timedOut = 0;
    constructor(seen: number) {
      this[lastSeen] = seen;
    }
    [sendPing](): void {
      this.pings++;
    }
    [messageTimedOut](): void {
      this.timedOut++;
    }
    [giveUp](): void {
      this.terminated = true;
    }
  }
  const fakePeer = (seen: number): FakePeer => new FakePeer(seen);

  /** A heartbeat whose own timer is stopped, so only the test's `check` calls drive it. */
  function driven(...peers: FakePeer[]): Heartbeat {
    const beat = new Heartbeat({ interval: 1000, timeout: 500, writeStallTimeout: 3000, messageTimeout: 2000 });
    for (const peer of peers) beat.add(peer);
    beat.stop();
    return beat;
  }

  it('pings a peer silent for the interval, and terminates it after the timeout', () => {
    const peer = fakePeer(0);
    const beat = driven(peer);
    beat.check(999);
    expect(peer.pings).toBe(0);
    beat.check(1000);
    expect(peer.pings).toBe(1);
    expect(peer[pingSentAt]).toBe(1000);
    expect(peer.terminated).toBe(false);
    // An outstanding ping is not repeated.
    beat.check(1200);
    expect(peer.pings).toBe(1);
    beat.check(1499);
    expect(peer.terminated).toBe(false);
    beat.check(1500);
    expect(peer.terminated).toBe(true);
  });

  it('any data from the peer clears the wait', () => {
    const peer = fakePeer(0);
    const beat = driven(peer);
    beat.check(1000);
    expect(peer[pingSentAt]).toBe(1000);
    // A message (not necessarily a pong) arrives.
    peer[lastSeen] = 1200;
    beat.check(1600);
    expect(peer[pingSentAt]).toBe(0);
    expect(peer.terminated).toBe(false);
    // The next ping waits a full interval after that data.
    beat.check(2199);
    expect(peer.pings).toBe(1);
    beat.check(2200);
    expect(peer.pings).toBe(2);
  });

  it('terminates a peer whose kernel takes none of the waiting bytes for writeStallTimeout, whatever it sends', () => {
    const stuck = fakePeer(0);
    const slow = fakePeer(0);
    const beat = driven(stuck, slow);
    for (let now = 0; now <= 6000; now += 250) {
      // Both keep sending (a sign of life for the ping side), and both have a backlog
      // of the same size at every visit, as behind an echo handler that pauses on 'queued'.
      stuck[lastSeen] = now;
      slow[lastSeen] = now;
      stuck[writeBacklog] = 50_000;
      slow[writeBacklog] = 50_000;
      // Only one of them reads: the kernel takes its bytes, slowly.
      slow[bytesTaken] += 10;
      beat.check(now);
      if (now < 3000) expect(stuck.terminated).toBe(false);
    }
    expect(stuck.terminated).toBe(true);
    expect(slow.terminated).toBe(false);
    expect(stuck.pings + slow.pings).toBe(0);
  });

  it('times out one message that takes longer than messageTimeout, not a run of quick ones', () => {
    const slow = fakePeer(0);
    const busy = fakePeer(0);
    const fresh = fakePeer(0);
    const beat = driven(slow, busy, fresh);
    const slowMessage = { reader: {}, number: 1 };
    const busyReader = {};
    for (let now = 0; now <= 4000; now += 250) {
      for (const peer of [slow, busy, fresh]) peer[lastSeen] = now;
      // The slow peer is inside its message 1 all along. The other two are always
      // inside a message too, but a new one at every visit: the next message of the
      // same reader, or the first message of a new reader (the same number, 1).
      slow[messageInProgress] = slowMessage;
      busy[messageInProgress] = { reader: busyReader, number: now / 250 + 1 };
      fresh[messageInProgress] = { reader: {}, number: 1 };
      beat.check(now);
      if (now < 2000) expect(slow.timedOut).toBe(0);
    }
    expect(slow.timedOut).toBe(1);
    expect(busy.timedOut).toBe(0);
    expect(fresh.timedOut).toBe(0);
    // Between messages nothing is timed.
    const quiet = fakePeer(0);
    beat.add(quiet);
    beat.stop();
    beat.check(10_000);
    expect(quiet.timedOut).toBe(0);
  });

  it('starts the stall clock again when the backlog empties or the kernel takes bytes', () => {
    const peer = fakePeer(0);
    const beat = driven(peer);
    peer[writeBacklog] = 100;
    beat.check(0);
    peer[lastSeen] = 2900;
    beat.check(2900);
    peer[writeBacklog] = 0;
    beat.check(2950);
    peer[writeBacklog] = 100;
    peer[lastSeen] = 3100;
    beat.check(3100);
    expect(peer.terminated).toBe(false);
    peer[bytesTaken] = 1;
    peer[lastSeen] = 5000;
    beat.check(5000);
    expect(peer.terminated).toBe(false);
    peer[lastSeen] = 7999;
    beat.check(7999);
    expect(peer.terminated).toBe(false);
    peer[lastSeen] = 8000;
    beat.check(8000);
    expect(peer.terminated).toBe(true);
  });

  it('visits each peer on its own clock, and forgets deleted peers', () => {
    const early = fakePeer(0);
    const late = fakePeer(800);
    const gone = fakePeer(0);
    const beat = driven(early, late, gone);
    expect(beat.size).toBe(3);
    beat.delete(gone);
    expect(beat.size).toBe(2);
    beat.check(1000);
    expect([early.pings, late.pings, gone.pings]).toEqual([1, 0, 0]);
    beat.check(1800);
    expect([early.pings, late.pings, gone.pings]).toEqual([1, 1, 0]);
    expect([early.terminated, late.terminated]).toEqual([true, false]);
  });

  it('has ws-like defaults and refuses non-positive times', () => {
    const beat = new Heartbeat();
    expect([beat.interval, beat.timeout, beat.writeStallTimeout]).toEqual([30_000, 10_000, 30_000]);
    expect(() => new Heartbeat({ writeStallTimeout: 0 })).toThrow(RangeError);
    expect(() => new Heartbeat({ messageTimeout: -5 })).toThrow(RangeError);
    expect(() => new Heartbeat({ interval: 0 })).toThrow(RangeError);
    expect(() => new Heartbeat({ timeout: -1 })).toThrow(RangeError);
    expect(() => new Heartbeat({ interval: Number.NaN })).toThrow(RangeError);
  });

  it('keeps time in whole, positive, non-decreasing milliseconds', async () => {
    const first = heartbeatClock();
    await new Promise((resolve) => setTimeout(resolve, 15));
    const second = heartbeatClock();
    expect(Number.isInteger(first) && first > 0).toBe(true);
    expect(second - first).toBeGreaterThanOrEqual(10);
  });

  it('spreads first pings evenly over the interval, however close together the peers arrived', () => {
    const pingsPerTenth = (spreadFirstPings: boolean): number[] => {
      const beat = new Heartbeat({ interval: 1000, timeout: 500, spreadFirstPings });
      // 1,000 peers that all connected at the same moment (a reconnect after a restart).
      const peers = Array.from({ length: 1000 }, () => fakePeer(5000));
      for (const peer of peers) beat.add(peer);
      beat.stop();
      const buckets = Array.from({ length: 10 }, () => 0);
      for (let now = 5000; now < 6000; now += 10) {
        const before = peers.reduce((sum, peer) => sum + peer.pings, 0);
        beat.check(now);
        buckets[Math.floor((now - 5000) / 100)] += peers.reduce((sum, peer) => sum + peer.pings, 0) - before;
      }
      // The last tenth's pings come on the tick at 6000 when not spread: count it there.
      const before = peers.reduce((sum, peer) => sum + peer.pings, 0);
      beat.check(6000);
      buckets[9] += peers.reduce((sum, peer) => sum + peer.pings, 0) - before;
      return buckets;
    };
    const spread = pingsPerTenth(true);
    expect(spread.reduce((a, b) => a + b)).toBe(1000);
    for (const count of spread) expect(count).toBeGreaterThanOrEqual(90), expect(count).toBeLessThanOrEqual(110);
    // Without the spread, every first ping falls in one tick.
    expect(pingsPerTenth(false)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1000]);
  });

  it('after a stall, gives up on an overdue peer only once the reads of the turn are done', async () => {
    const beat = driven();
    const answered = fakePeer(0);
    const silent = fakePeer(0);
    beat.add(answered);
    beat.add(silent);
    beat.stop();
    beat.check(1000);
    expect(answered.pings + silent.pings).toBe(2);
    // The process stalled past the timeout; the timer's visit comes first.
    beat.check(1600, true);
    expect(answered.terminated || silent.terminated).toBe(false);
    // The poll for I/O then reads the pong that arrived during the stall.
    answered[lastSeen] = 1600;
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered.terminated).toBe(false);
    expect(silent.terminated).toBe(true);
  });

  it('drives itself with a real timer once a peer is added', async () => {
    const beat = new Heartbeat({ interval: 20, timeout: 20 });
    const peer = fakePeer(heartbeatClock());
    beat.add(peer);
    cleanups.push(() => beat.stop());
    await waitFor(() => peer.terminated, 'the timer to ping, then terminate', 2000);
    expect(peer.pings).toBe(1);
  });
});

describe('handshakes that never complete', () => {
  it('a half-sent request line is closed after handshakeTimeout by its own server', async () => {
    const wss = await listening({ handshakeTimeout: 300 });
    const response = await rawExchange(portOf(wss), 'GET /cha', 3000);
    expect(response.elapsed).toBeGreaterThanOrEqual(290);
    expect(response.elapsed).toBeLessThan(2000);
    // node:http notices the stalled head; the server answers 408 with a reason.
    expect(response.status).toBe(408);
    expect(response.body).toMatch(/did not arrive in time/);
  });

  it('a connection that sends nothing is closed after handshakeTimeout too', async () => {
    const wss = await listening({ handshakeTimeout: 300 });
    const response = await rawExchange(portOf(wss), '', 3000);
    expect(response.elapsed).toBeGreaterThanOrEqual(290);
    expect(response.elapsed).toBeLessThan(2000);
  });

  it('an async verify that never resolves: the socket is destroyed after handshakeTimeout', async () => {
    let asked = 0;
    const wss = await listening({
      handshakeTimeout: 300,
      verify: () => {
        asked++;
        return new Promise<boolean>(() => undefined);
      },
    });
    let connections = 0;
    wss.on('connection', () => connections++);
    const response = await rawExchange(portOf(wss), upgradeRequest(), 3000);
    expect(asked).toBe(1);
    expect(response.status).toBe(0);
    expect(response.elapsed).toBeGreaterThanOrEqual(290);
    expect(response.elapsed).toBeLessThan(2000);
    expect(connections).toBe(0);
    expect(wss.clients.size).toBe(0);
  });

  it('handleUpgrade (noServer) applies handshakeTimeout to a stuck verify as well', async () => {
    const wss = new WebSocketServer({ noServer: true, heartbeat: false, handshakeTimeout: 200, verify: () => new Promise<boolean>(() => undefined) });
    cleanups.push(() => closeServer(wss));
    const server = createServer();
    server.on('upgrade', (request, socket, head: Buffer) => wss.handleUpgrade(request, socket, head, () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const response = await rawExchange(address.port, upgradeRequest(), 3000);
    expect(response.status).toBe(0);
    expect(response.elapsed).toBeGreaterThanOrEqual(190);
  });
});

describe('oversized request heads', () => {
  it('a head over maxHeaderSize gets 431 and is closed; one under it is accepted', async () => {
    const wss = await listening({ maxHeaderSize: 2048 });
    const response = await rawExchange(portOf(wss), upgradeRequest({ headers: { 'X-Padding': 'p'.repeat(4096) } }));
    expect(response.status).toBe(431);
    expect(response.body).toMatch(/too large/);
    const client = await openClient(`ws://127.0.0.1:${portOf(wss)}/`, undefined, { headers: { 'X-Padding': 'p'.repeat(1024) } });
    cleanups.push(() => client.terminate());
    expect(client.readyState).toBe(client.OPEN);
  });
});

describe('protocol errors from the client', () => {
  it.each([
    { name: 'an unmasked frame (§5.1)', frame: () => rawFrame({ opcode: 0x1, payload: 'hi' }), code: 1002 },
    { name: 'a reserved opcode', frame: () => clientFrame({ opcode: 0x3, payload: 'x' }), code: 1002 },
    { name: 'a fragmented ping', frame: () => clientFrame({ opcode: 0x9, fin: false }), code: 1002 },
    { name: 'invalid UTF-8 in a text message (§8.1)', frame: () => clientFrame({ opcode: 0x1, payload: Buffer.from([0xce, 0xba, 0xc0, 0xaf]) }), code: 1007 },
    { name: 'a message over maxPayload', frame: () => clientFrame({ opcode: 0x2, payload: Buffer.alloc(4096) }), code: 1009 },
  ])('$name: the server sends close $code and closes TCP', async ({ frame, code }) => {
    const wss = await listening({ maxPayload: 1024 });
    const { peer, connection, closed } = await session(wss);
    const errors: Error[] = [];
    connection.on('error', (error: Error) => errors.push(error));
    peer.socket.write(frame());
    await waitFor(() => peer.closed, 'the server to close TCP', 3000);
    const closes = peer.frames.of('close');
    expect(closes).toHaveLength(1);
    expect(closes[0].code).toBe(code);
    expect(peer.frames.of('message')).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect((errors[0] as ProtocolError).closeCode).toBe(code);
    // The peer never sent a close frame: for the server it ended abnormally.
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    expect(wss.clients.size).toBe(0);
  });

  it('a too-long frame is refused from its header, before the payload arrives', async () => {
    const wss = await listening({ maxPayload: 1024 });
    const { peer } = await session(wss);
    // Only the header of a 1 MiB binary frame (64-bit length form) and its mask key.
    const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4]);
    peer.socket.write(header);
    await waitFor(() => peer.closed, 'the server to close TCP', 3000);
    expect(peer.frames.of('close')[0]?.code).toBe(1009);
  });

  it('bytes that are not HTTP at all (a TLS ClientHello) get 400 and no crash', async () => {
    const escaped: unknown[] = [];
    const guard = (error: unknown): void => void escaped.push(error);
    process.on('uncaughtException', guard);
    try {
      const wss = await listening();
      const response = await rawExchange(portOf(wss), Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
      expect(response.status).toBe(400);
      expect(response.body).toMatch(/Malformed HTTP request/);
      await sleep(20);
    } finally {
      process.off('uncaughtException', guard);
    }
    expect(escaped).toEqual([]);
  });
});
