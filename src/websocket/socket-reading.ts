// The reading side of the socket adapter: a socket's bytes into the endpoint, within
// the per-peer limits on reading (frames per turn, messages per second, pongs owed),
// and the endpoint's events out to the application.
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import {
  CloseCode,
  type EndpointEvent,
  ProtocolError,
  type WebSocketProtocol,
} from '../protocol/websocket/index.js';
import {
  DEFERRED,
  INFLATING,
  READING,
  afterEndpoint,
  compressionOf,
  endpointOf,
  failLocally,
  flagsOf,
  receive,
  settingsOf,
  socketOf,
  turnUsage,
  unsentPongs,
} from './adapter-operations.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { MessageCompression } from './message-compression.js';
import { heartbeatClock, lastSeen } from './heartbeat.js';
import { MessageRate } from './message-rate.js';
import { CLOSED, OPEN } from './ready-state.js';
import { ReadTurns } from './read-turns.js';
import { countWebSocketMessageIn } from '../metrics/library-metrics.js';

/** What reading needs of a connection: its public face and the state it shares with the adapter. */
export interface ReadingPeer {
  readonly readyState: number;
  readonly readingPaused: boolean;
  [lastSeen]: number;
  [flagsOf]: number;
  [unsentPongs]: number;
  [turnUsage]: number;
  readonly [settingsOf]: ConnectionSettings | undefined;
  readonly [socketOf]: Duplex | undefined;
  readonly [compressionOf]?: MessageCompression | undefined;
  [endpointOf](): Pick<WebSocketProtocol, 'receive' | 'framesRead'>;
  [afterEndpoint](flushNow: boolean): void;
  [failLocally](code: number, reason: string): void;
  [receive](chunk: Buffer): void;
}

const turns = new ReadTurns<ReadingPeer>(resumeDeferred);
const messageRates = new MessageRate<ReadingPeer>();

/**
 * Reads a chunk from the socket, or as many of its frames as this turn of the
 * event loop allows the peer (`framesPerTurn`); the rest waits for the next turn.
 */
export function readChunk(peer: ReadingPeer, chunk: Buffer): void {
  peer[lastSeen] = heartbeatClock();
  const framesPerTurn = peer[settingsOf]!.framesPerTurn;
  const used = turns.framesUsed(peer[turnUsage]);
  const budget = framesPerTurn - used;
  // A read that arrives while a compressed message is inflated waits for it.
  if ((peer[flagsOf] & INFLATING) !== 0) return holdForInflate(peer, chunk);
  // Bytes already waiting go first: a read that arrives meanwhile waits behind them.
  if (budget <= 0 || (peer[flagsOf] & DEFERRED) !== 0) return defer(peer, chunk);
  peer[flagsOf] |= READING;
  const core = peer[endpointOf]();
  let read = chunk.length;
  let frames = 0;
  try {
    read = core.receive(chunk, budget);
    frames = core.framesRead;
  } finally {
    peer[flagsOf] &= ~READING;
    // The endpoint may be let go here (at rest): nothing of it is used after this.
    peer[afterEndpoint](true);
  }
  peer[turnUsage] = turns.stamp(used + frames, framesPerTurn);
  if (read === chunk.length) return;
  // The endpoint stopped after a compressed message: the rest waits until it is inflated.
  if ((peer[flagsOf] & INFLATING) !== 0) holdForInflate(peer, chunk.subarray(read));
  else defer(peer, chunk.subarray(read));
}

function holdForInflate(peer: ReadingPeer, rest: Buffer): void {
  peer[socketOf]?.pause();
  turns.hold(peer, rest);
}

/** A compressed message was delivered: what arrived behind it is read now, then the socket's next bytes. */
function readOnAfterInflate(peer: ReadingPeer): void {
  const rest = turns.takeHeld(peer);
  if (rest !== undefined) peer[receive](rest);
  if ((peer[flagsOf] & (DEFERRED | INFLATING)) === 0 && !peer.readingPaused) peer[socketOf]?.resume();
}

/** Leaves the rest of a read for a later turn: reading pauses (TCP pushes back) until every other peer had its turn. */
function defer(peer: ReadingPeer, rest: Buffer): void {
  const socket = peer[socketOf];
  if (!socket || socket.destroyed) return;
  socket.pause();
  peer[flagsOf] |= DEFERRED;
  turns.defer(peer, rest);
}

function resumeDeferred(peer: ReadingPeer, rest: Buffer): void {
  if (peer.readyState === 3) return; // CLOSED
  // The application paused reading meanwhile, or a message is being inflated: the rest waits for resume().
  if (peer.readingPaused || (peer[flagsOf] & INFLATING) !== 0) return turns.hold(peer, rest);
  peer[flagsOf] &= ~DEFERRED;
  peer[receive](rest);
  // Still paused if the rest began a compressed message: its inflation resumes reading.
  if ((peer[flagsOf] & (DEFERRED | INFLATING)) === 0) peer[socketOf]?.resume();
}

/** The application resumed reading: a read deferred meanwhile goes first, then the socket. */
export function resumeAfterPause(peer: ReadingPeer): void {
  // The inflation under way resumes reading when it is done.
  if ((peer[flagsOf] & INFLATING) !== 0) return;
  // With bytes waiting for a later turn, the socket resumes once they are read.
  if (turns.release(peer)) peer[flagsOf] |= DEFERRED;
  else if ((peer[flagsOf] & DEFERRED) === 0) peer[socketOf]?.resume();
}

/** The connection is gone: nothing of it is kept for later turns. */
export function forgetReader(peer: ReadingPeer): void {
  turns.forget(peer);
  messageRates.forget(peer);
}

/** The endpoint's events (`this` is the connection), as the Node-style events of the connection. */
export function deliverEvent(this: ReadingPeer, event: EndpointEvent): void {
  try {
    switch (event.type) {
      case 'message':
        if (this.readyState !== OPEN) return;
        if (this[settingsOf]!.maxMessagesPerSecond !== Infinity && !withinRate(this)) return;
        countWebSocketMessageIn(this[settingsOf]!);
        if (event.rsv !== 0) return inflate(this, this[compressionOf]!, event.data, event.binary);
        this[settingsOf]!.events.message(this, event.data, event.binary);
        return;
      case 'ping':
        countPong(this);
        this[settingsOf]!.events.ping(this, event.data);
        return;
      case 'pong':
        this[settingsOf]!.events.pong(this, event.data);
        return;
      case 'close':
        return;
      case 'error':
        this[settingsOf]!.events.error(this, event.error);
        return;
    }
  } catch (error) {
    // An exception from an application listener must not leave the parser
    // half-way through a chunk: rethrow it on its own, as an uncaught error.
    process.nextTick(rethrow, error);
  }
}

/**
 * A compressed message (RFC 7692): nothing more is read until it is inflated
 * and delivered (the endpoint stopped right after it), so events keep their
 * order; then reading resumes, unless the application paused it meanwhile.
 */
function inflate(peer: ReadingPeer, compression: MessageCompression, data: Buffer, binary: boolean): void {
  peer[flagsOf] |= INFLATING;
  compression.codec.decompress(data, (error, inflated) => {
    peer[flagsOf] &= ~INFLATING;
    // Text is checked once inflated: the parser saw only compressed bytes (§8.1 of RFC 6455 applies to the message).
    const failure = error ?? (binary || isUtf8(inflated!) ? undefined : invalidText());
    if (failure) return inflateFailed(peer, failure);
    if (peer.readyState === CLOSED) return;
    // Closing (our close() came while it was inflated): the message is not delivered, but the
    // bytes behind it are still read, since the peer's close frame may be among them.
    if (peer.readyState === OPEN) {
      try {
        peer[settingsOf]!.events.message(peer, inflated!, binary);
      } catch (thrown) {
        process.nextTick(rethrow, thrown);
      }
    }
    if (!peer.readingPaused) readOnAfterInflate(peer);
  });
}

function inflateFailed(peer: ReadingPeer, error: ProtocolError): void {
  if (peer.readyState !== OPEN) return;
  peer[settingsOf]!.events.error(peer, error);
  peer[failLocally](error.closeCode, error.message);
}

function invalidText(): ProtocolError {
  return new ProtocolError(CloseCode.InvalidPayload, 'Text message is not valid UTF-8');
}

/** Counts a message against `maxMessagesPerSecond`; past it, fails the connection with 1008. */
function withinRate(peer: ReadingPeer): boolean {
  if (messageRates.allow(peer, peer[settingsOf]!.maxMessagesPerSecond, heartbeatClock())) return true;
  peer[failLocally](CloseCode.PolicyViolation, 'Message rate limit exceeded');
  return false;
}

/** A peer that floods pings and never reads its pongs would make us buffer pongs without end. */
function countPong(peer: ReadingPeer): void {
  const socket = peer[socketOf];
  if (!socket || socket.writableLength === 0) return;
  if (++peer[unsentPongs] > peer[settingsOf]!.maxUnsentPongs) {
    peer[failLocally](CloseCode.PolicyViolation, 'Too many pongs owed to a peer that does not read');
  }
}

function rethrow(error: unknown): never {
  throw error;
}
