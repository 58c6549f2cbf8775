/** What the heartbeat needs from a connection. */
export interface HeartbeatPeer {
  /** When (`heartbeatClock()`) anything last arrived from the peer. */
  lastSeen: number;
  /** When our unanswered ping went out; 0 when none is outstanding. */
  pingSentAt: number;
  /** True while the application has paused reading: the peer's pongs cannot be seen then. */
  readonly readingPaused: boolean;
  sendHeartbeatPing(): void;
  /** Gives up on a peer that did not answer: no close handshake, it is presumed gone. */
  terminate(): void;
}

export interface HeartbeatOptions {
  /** Ping a peer after this long without hearing from it (ms). Default 30 s. */
  interval?: number;
  /** Terminate a peer that has not answered a ping after this long (ms). Default 10 s. */
  timeout?: number;
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

/**
 * Finds half-open connections (RFC 6455 §5.5.2 pings, used as keep-alives): a
 * peer that has been silent for `interval` gets a ping, and one that stays
 * silent for `timeout` more is terminated. Any incoming frame counts as a sign
 * of life, so busy connections are never pinged.
 *
 * One timer serves every connection of a server: it ticks four times per
 * `min(interval, timeout)` and visits the peers, which costs a few nanoseconds
 * each, instead of two timers per connection. A dead peer is therefore found
 * within `interval + timeout` plus at most two ticks.
 */
export class Heartbeat {
  readonly interval: number;
  readonly timeout: number;
  private readonly peers = new Set<HeartbeatPeer>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: HeartbeatOptions = {}) {
    this.interval = options.interval ?? DEFAULT_HEARTBEAT_INTERVAL;
    this.timeout = options.timeout ?? DEFAULT_HEARTBEAT_TIMEOUT;
    if (!(this.interval > 0) || !(this.timeout > 0)) throw new RangeError('Heartbeat interval and timeout must be positive');
  }

  get size(): number {
    return this.peers.size;
  }

  add(peer: HeartbeatPeer): void {
    this.peers.add(peer);
    if (this.timer === undefined) {
      const tick = Math.max(1, Math.floor(Math.min(this.interval, this.timeout) / 4));
      this.timer = setInterval(() => this.check(heartbeatClock()), tick);
      // The heartbeat alone should not keep a process alive.
      this.timer.unref();
    }
  }

  delete(peer: HeartbeatPeer): void {
    this.peers.delete(peer);
    if (this.peers.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One visit of every peer; public so tests can drive time themselves. */
  check(now: number): void {
    for (const peer of this.peers) {
      if (peer.readingPaused) {
        peer.lastSeen = now;
        peer.pingSentAt = 0;
      } else if (peer.pingSentAt !== 0) {
        if (peer.lastSeen >= peer.pingSentAt) peer.pingSentAt = 0;
        else if (now - peer.pingSentAt >= this.timeout) peer.terminate();
      } else if (now - peer.lastSeen >= this.interval) {
        peer.pingSentAt = now;
        peer.sendHeartbeatPing();
      }
    }
  }
}
