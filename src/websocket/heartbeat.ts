import { countHeartbeatTermination } from '../metrics/library-metrics.js';

// The heartbeat's view of a connection, under symbols: internal state, kept out of
// the connection's public properties.
export const lastSeen = Symbol('switchboard.heartbeat.lastSeen');
export const pingSentAt = Symbol('switchboard.heartbeat.pingSentAt');
export const writeBacklog = Symbol('switchboard.heartbeat.writeBacklog');
export const bytesTaken = Symbol('switchboard.heartbeat.bytesTaken');
export const sendPing = Symbol('switchboard.heartbeat.sendPing');
export const messageInProgress = Symbol('switchboard.heartbeat.messageInProgress');
export const messageTimedOut = Symbol('switchboard.heartbeat.messageTimedOut');
export const giveUp = Symbol('switchboard.heartbeat.giveUp');

/** What the heartbeat needs from a connection. */
export interface HeartbeatPeer {
  /** When (`heartbeatClock()`) anything last arrived from the peer. */
  [lastSeen]: number;
  /** When our unanswered ping went out; 0 when none is outstanding. */
  [pingSentAt]: number;
  /** Bytes written for the peer that its socket has not handed to the kernel yet. */
  readonly [writeBacklog]: number;
  /** Bytes the kernel has taken for the peer so far: grows while the peer reads. */
  readonly [bytesTaken]: number;
  [sendPing](): void;
  /** The incoming message being read, or undefined between messages. */
  readonly [messageInProgress]: MessageInProgress | undefined;
  /** One message took longer than `messageTimeout`: the peer is told why (1008) and dropped. */
  [messageTimedOut](): void;
  /** Gives up on a peer: no close handshake, it is presumed gone or not reading. */
  [giveUp](): void;
}

export interface HeartbeatOptions {
  /** Ping a peer after this long without hearing from it (ms). Default 30 s. */
  interval?: number;
  /** Terminate a peer that has not answered a ping after this long (ms). Default 10 s. */
  timeout?: number;
}

/** The heartbeat's settings as a server or client resolves them (`heartbeat: false` turns pings off). */
export interface WatchOptions extends HeartbeatOptions {
  /**
   * Spread the first pings: a new peer's first ping comes after a share of `interval`
   * taken from an evenly spread sequence, so connections that arrived together (a
   * reconnect after a restart) are not all pinged in the same tick ever after. Default
   * true for the watches servers and clients create; false keeps every first ping a
   * full interval after the connection (tests that drive the clock).
   */
  spreadFirstPings?: boolean;
  /** See `ConnectionOptions.writeStallTimeout`. Default 30 s. */
  writeStallTimeout?: number;
  /** See `ConnectionOptions.messageTimeout`. Default 60 s. */
  messageTimeout?: number;
  /** Count terminations in the library's metrics (a server's watch); a client's is not counted. Default true. */
  counted?: boolean;
}

/** The watch a server or client runs, or none when both pings and the write-stall check are off. */
export function createWatch(heartbeat: HeartbeatOptions | false | undefined, limits: Omit<WatchOptions, keyof HeartbeatOptions>): Heartbeat | undefined {
  const writeStallTimeout = limits.writeStallTimeout ?? DEFAULT_WRITE_STALL_TIMEOUT;
  const messageTimeout = limits.messageTimeout ?? DEFAULT_MESSAGE_TIMEOUT;
  if (heartbeat === false && writeStallTimeout === Infinity && messageTimeout === Infinity) return undefined;
  const pings = heartbeat === false ? { interval: Infinity, timeout: Infinity } : heartbeat;
  return new Heartbeat({ ...pings, writeStallTimeout, messageTimeout, counted: limits.counted, spreadFirstPings: true });
}

/**
 * The heartbeat's clock: whole milliseconds of a monotonic clock (a wall-clock
 * jump must not look like silence), never 0. Whole numbers below 2^31 are small
 * integers to V8, kept in the connection itself; a fractional or `Date.now()`
 * value would be a separate 16-byte number object per connection.
 */
export function heartbeatClock(): number {
  return Math.floor(performance.now()) + 1;
}

export const DEFAULT_HEARTBEAT_INTERVAL = 30_000;
export const DEFAULT_HEARTBEAT_TIMEOUT = 10_000;
export const DEFAULT_WRITE_STALL_TIMEOUT = 30_000;
export const DEFAULT_MESSAGE_TIMEOUT = 60_000;

/** When the kernel last took bytes for a peer with bytes waiting, and how many it had taken by then. */
interface Stall {
  since: number;
  written: number;
}

/** When the message a peer is sending was first seen in progress. */
/**
 * Names the message being read: its reader (the endpoint reading it) and the
 * reader's count of messages begun. A connection's endpoint may change between
 * messages, so the number alone could name two messages.
 */
export interface MessageInProgress {
  readonly reader: object;
  readonly number: number;
}

interface SlowMessage {
  since: number;
  message: MessageInProgress;
}

const GOLDEN_RATIO_FRACTION = (Math.sqrt(5) - 1) / 2;

/** Peers still silent since their ping, once the reads of this turn of the event loop are done. */
function giveUpUnanswered(peers: HeartbeatPeer[], counted: boolean): void {
  for (const peer of peers) {
    if (peer[pingSentAt] === 0 || peer[lastSeen] >= peer[pingSentAt]) continue;
    if (counted) countHeartbeatTermination('pong-timeout');
    peer[giveUp]();
  }
}

function sameMessage(a: MessageInProgress, b: MessageInProgress): boolean {
  return a.reader === b.reader && a.number === b.number;
}

/**
 * Finds half-open connections (RFC 6455 §5.5.2 pings, used as keep-alives): a
 * peer that has been silent for `interval` gets a ping, and one that stays
 * silent for `timeout` more is terminated. Any incoming frame counts as a sign
 * of life, so busy connections are never pinged. Pausing reading does not
 * hide a dead peer: its pongs go unseen, so a connection paused for longer than
 * `interval + timeout` since it last read is terminated, as `ws`'s heartbeat does.
 *
 * It also watches the other direction: a peer whose socket has had bytes
 * waiting, and whose kernel has taken none of them, for `writeStallTimeout`
 * has stopped reading (a client that sends and never reads its replies), and
 * is terminated; a slow reader makes progress and is kept.
 * And it bounds how long one incoming message may take once begun
 * (`messageTimeout`): a frame whose body trickles in is not a sign of life forever.
 *
 * One timer serves every connection of a server: it ticks four times per
 * `min(interval, timeout)` and visits the peers, which costs a few nanoseconds
 * each, instead of two timers per connection. A dead peer is therefore found
 * within `interval + timeout` plus at most two ticks.
 *
 * Two things keep a busy process from dropping live peers. Each peer's first ping
 * is spread over the interval (`spreadFirstPings`), so pings stay spread however the
 * connections arrived. And a peer found overdue is given up only after the event
 * loop's next poll for I/O (`setImmediate`): after the process stalled (a long
 * broadcast, a GC), the timer runs before the reads, and the pongs that arrived
 * meanwhile wait in the socket buffers.
 */
export class Heartbeat {
  readonly interval: number;
  readonly timeout: number;
  readonly writeStallTimeout: number;
  readonly messageTimeout: number;
  private readonly counted: boolean;
  private readonly peers = new Set<HeartbeatPeer>();
  // Only the peers with bytes waiting, or a message half read: an idle connection costs nothing here.
  private readonly stalls = new Map<HeartbeatPeer, Stall>();
  private readonly slowMessages = new Map<HeartbeatPeer, SlowMessage>();
  private timer: NodeJS.Timeout | undefined;
  private readonly spreadFirstPings: boolean;
  /** The last share of the interval given to a first ping: a golden-ratio sequence, evenly spread whatever the count. */
  private phase = 0;

  constructor(options: WatchOptions = {}) {
    this.interval = options.interval ?? DEFAULT_HEARTBEAT_INTERVAL;
    this.timeout = options.timeout ?? DEFAULT_HEARTBEAT_TIMEOUT;
    this.writeStallTimeout = options.writeStallTimeout ?? DEFAULT_WRITE_STALL_TIMEOUT;
    this.messageTimeout = options.messageTimeout ?? DEFAULT_MESSAGE_TIMEOUT;
    this.spreadFirstPings = options.spreadFirstPings === true && Number.isFinite(this.interval);
    this.counted = options.counted ?? true;
    if (![this.interval, this.timeout, this.writeStallTimeout, this.messageTimeout].every((time) => time > 0)) {
      throw new RangeError('Heartbeat interval, timeout, write-stall and message timeouts must be positive');
    }
  }

  get size(): number {
    return this.peers.size;
  }

  add(peer: HeartbeatPeer): void {
    this.peers.add(peer);
    if (this.spreadFirstPings) {
      this.phase = (this.phase + GOLDEN_RATIO_FRACTION) % 1;
      // As if last heard from a little earlier: the first ping comes after (1 - phase) × interval.
      peer[lastSeen] -= Math.floor(this.phase * this.interval);
    }
    if (this.timer === undefined) {
      const shortest = Math.min(this.interval, this.timeout, this.writeStallTimeout, this.messageTimeout);
      const tick = Math.min(2 ** 31 - 1, Math.max(1, Math.floor(shortest / 4)));
      this.timer = setInterval(() => this.check(heartbeatClock(), true), tick);
      // The heartbeat alone should not keep a process alive.
      this.timer.unref();
    }
  }

  delete(peer: HeartbeatPeer): void {
    this.peers.delete(peer);
    this.stalls.delete(peer);
    this.slowMessages.delete(peer);
    if (this.peers.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One visit of every peer; public so tests can drive time themselves. With
   * `afterPoll`, peers whose ping went unanswered are given up only after the
   * event loop has read what arrived meanwhile, and only if no answer was among it.
   */
  check(now: number, afterPoll = false): void {
    let overdue: HeartbeatPeer[] | undefined;
    for (const peer of this.peers) {
      if (peer[pingSentAt] !== 0) {
        if (peer[lastSeen] >= peer[pingSentAt]) peer[pingSentAt] = 0;
        else if (now - peer[pingSentAt] >= this.timeout) {
          if (afterPoll) (overdue ??= []).push(peer);
          else giveUpUnanswered([peer], this.counted);
          continue;
        }
      } else if (now - peer[lastSeen] >= this.interval) {
        peer[pingSentAt] = now;
        peer[sendPing]();
      }
      this.watchWrites(peer, now);
      this.watchMessage(peer, now);
    }
    if (overdue) setImmediate(giveUpUnanswered, overdue, this.counted);
  }

  private watchMessage(peer: HeartbeatPeer, now: number): void {
    const message = peer[messageInProgress];
    const slow = this.slowMessages.get(peer);
    if (message === undefined) {
      if (slow) this.slowMessages.delete(peer);
    } else if (!slow || !sameMessage(slow.message, message)) {
      this.slowMessages.set(peer, { since: now, message });
    } else if (now - slow.since >= this.messageTimeout) {
      this.slowMessages.delete(peer);
      if (this.counted) countHeartbeatTermination('message-timeout');
      peer[messageTimedOut]();
    }
  }

  private watchWrites(peer: HeartbeatPeer, now: number): void {
    const stall = this.stalls.get(peer);
    if (peer[writeBacklog] === 0) {
      if (stall) this.stalls.delete(peer);
      return;
    }
    // Progress is bytes the kernel took, not a shrinking backlog: a peer that reads,
    // if slower than the application writes, keeps a backlog of about the same size.
    const written = peer[bytesTaken];
    if (!stall || written > stall.written) this.stalls.set(peer, { since: now, written });
    else if (now - stall.since >= this.writeStallTimeout) {
      if (this.counted) countHeartbeatTermination('write-stall');
      peer[giveUp]();
    }
  }
}
