// The decision logic of the connection, with no I/O of its own: which transport to try
// (the fallback ladder of docs/sessions.md), when an attempt has failed (connect
// timeout), when an open session is presumed dead (heartbeat deadline), how long to wait
// before the next attempt (backoff), when to wait for `online`, and the probe that moves
// back up the ladder. Transports are opened through `open`; time goes through the
// injected timers and clock, so tests drive all of it by hand.
import { parseServerMessage } from '../protocol/pubsub/parse.js';
import type { ClientMessage, ServerMessage } from '../protocol/pubsub/messages.js';
import type { ClientEventMap, ClientEventName } from './events.js';
import type { ClientState, ResolvedOptions, TransportName } from './options.js';

/** Spread of the probe interval and of a server's hint when the backoff's jitter is a named policy rather than a ratio. */
const PROBE_JITTER = 0.1;

/** What a transport reports. After `fail`, or after `close()` was called, it reports nothing more. */
export interface TransportSink {
  /** The session is established and delivers (first WebSocket message, SSE `session` event, first poll answer). */
  open(): void;
  /** One server message, as JSON text. */
  message(text: string): void;
  /** The transport broke: its session is over. */
  fail(reason: string): void;
  /**
   * The server asks to wait `ms` before the next attempt (a drain: SSE's `retry:` field,
   * `Retry-After` on a refused poll or stream). Said before the `fail` it goes with.
   */
  retry(ms: number): void;
}

export interface TransportHandle {
  /** Sends client messages, in order (only after `open`). */
  send(messages: readonly ClientMessage[]): void;
  /** Ends the session; the transport reports nothing after this. */
  close(): void;
}

export type OpenTransport = (name: TransportName, sink: TransportSink) => TransportHandle;

/** What the link asks of the client above it. */
export interface LinkHooks {
  /** True while publishes sent on the open session await their answer. */
  busy(): boolean;
  /** A probe that was waiting for `idle()` failed: send what was held back on the session in use. */
  release(): void;
  /** A session opened: subscribe again and send what is queued (through `link.send`). */
  opened(): void;
  /** The open session ended: what was sent on it and not answered is lost. */
  lost(): void;
  message(message: ServerMessage): void;
  emit<K extends ClientEventName>(type: K, detail: ClientEventMap[K]): void;
}

export interface LinkConfig extends Pick<ResolvedOptions, 'transports' | 'connectTimeout' | 'reconnectTimeout' | 'heartbeatGrace' | 'probeInterval' | 'backoff' | 'timers' | 'now' | 'random'> {
  readonly open: OpenTransport;
  /** True when the platform says it is offline (`navigator.onLine === false`). */
  readonly offline: () => boolean;
}

interface Attempt {
  readonly name: TransportName;
  handle: TransportHandle | undefined;
  opened: boolean;
  timer: unknown;
}

/** The heartbeat interval assumed until the server's first `ping` says otherwise (docs/sessions.md). */
export const DEFAULT_INTERVAL = 25_000;

/** Failed attempts in a row on the transport that last worked before the ladder is walked down again. */
const HOME_RETRIES = 3;

export class Link {
  state: ClientState = 'connecting';
  /** The transport of the open session. */
  transport: TransportName | undefined;
  /** A probe opened and waits for the publishes in flight on the old session to be answered. */
  switching = false;
  private index = 0;
  /** Where a new round of the ladder starts: the transport that last worked. */
  private home = 0;
  /** Whether any session opened yet, and the failed attempts on `home` since one last did. */
  private everOpened = false;
  private homeFailures = 0;
  private session: Attempt | undefined;
  private probe: Attempt | undefined;
  private retryTimer: unknown;
  private probeTimer: unknown;
  private heartbeatTimer: unknown;
  private waitingOnline = false;
  private interval = DEFAULT_INTERVAL;
  private heard = 0;
  private why = 'start';
  /** The server's `restart` hint on the current session: the next wait, instead of the backoff's. */
  private retryHint: number | undefined;

  constructor(
    private readonly config: LinkConfig,
    private readonly hooks: LinkHooks,
  ) {}

  start(): void {
    this.attempt();
  }

  send(messages: readonly ClientMessage[]): void {
    if (messages.length > 0 && this.state === 'open') this.session?.handle?.send(messages);
  }

  /** The platform is back online: reconnect now rather than after the backoff delay. */
  online(): void {
    if (this.state === 'closed' || this.session !== undefined) return;
    if (this.retryTimer === undefined && !this.waitingOnline) return;
    this.clear('retryTimer');
    this.attempt();
  }

  /** Nothing awaits an answer on the old session any more: a ready probe may take over. */
  idle(): void {
    if (this.switching && this.probe !== undefined) this.adopt(this.probe, 'probe');
  }

  close(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.transport = undefined;
    this.end(this.session);
    this.end(this.probe);
    this.session = this.probe = undefined;
    this.clear('retryTimer');
    this.clear('probeTimer');
    this.clear('heartbeatTimer');
    if (wasOpen) this.hooks.lost();
    this.hooks.emit('close', {});
  }

  private attempt(): void {
    this.waitingOnline = false;
    if (this.state === 'closed') return;
    if (this.config.offline()) {
      // Every attempt would fail at once: wait for the `online` event instead of spinning.
      this.waitingOnline = true;
      return;
    }
    this.begin(this.config.transports[this.index], false);
  }

  private begin(name: TransportName, probe: boolean): void {
    const attempt: Attempt = { name, handle: undefined, opened: false, timer: undefined };
    if (probe) this.probe = attempt;
    else this.session = attempt;
    // Back to the transport that worked: a slow open is a busy server, not a proxy in the way.
    const timeout = !probe && this.everOpened && name === this.config.transports[this.home] ? this.config.reconnectTimeout : this.config.connectTimeout;
    attempt.timer = this.config.timers.setTimeout(() => this.failed(attempt, 'connect-timeout'), timeout);
    try {
      attempt.handle = this.config.open(name, {
        open: () => this.opened(attempt),
        message: (text) => this.received(attempt, text),
        fail: (reason) => this.failed(attempt, reason),
        retry: (ms) => this.hinted(attempt, ms),
      });
    } catch (error) {
      // No WebSocket on this platform, a URL it refuses…: the same as failing to connect.
      this.failed(attempt, error instanceof Error ? error.message : String(error));
    }
  }

  private opened(attempt: Attempt): void {
    if (attempt.opened) return;
    this.config.timers.clearTimeout(attempt.timer);
    attempt.opened = true;
    if (attempt === this.probe) {
      // Switch once nothing sent on the old session awaits its answer (else it would be
      // rejected as connection-lost for no reason); the client holds new publishes meanwhile.
      this.switching = true;
      if (!this.hooks.busy()) this.adopt(attempt, 'probe');
    } else if (attempt === this.session) {
      this.home = this.index;
      this.everOpened = true;
      this.homeFailures = 0;
      this.established(attempt, this.why);
    }
  }

  private established(attempt: Attempt, reason: string): void {
    const previous = this.transport;
    this.retryHint = undefined;
    this.session = attempt;
    this.state = 'open';
    this.transport = attempt.name;
    this.config.backoff.connected(this.config.now());
    this.heard = this.config.now();
    this.armHeartbeat(this.interval + this.config.heartbeatGrace);
    if (previous !== attempt.name) this.hooks.emit('transport', { name: attempt.name, previous, reason });
    this.hooks.opened();
    this.hooks.emit('open', { transport: attempt.name });
    this.scheduleProbe();
  }

  private received(attempt: Attempt, text: string): void {
    if (attempt !== this.session || !attempt.opened) return;
    this.heard = this.config.now();
    const parsed = parseServerMessage(text);
    if (!parsed.ok) {
      this.hooks.emit('error', { code: 'bad-message', message: `unreadable server message: ${parsed.reason}` });
      return;
    }
    if (parsed.message.type === 'restart') this.hinted(attempt, parsed.message.retry);
    if (parsed.message.type === 'ping' && parsed.message.interval !== this.interval) {
      // The server's interval replaces the assumed one: the deadline moves with it.
      this.interval = parsed.message.interval;
      this.clear('heartbeatTimer');
      this.armHeartbeat(this.interval + this.config.heartbeatGrace);
    }
    this.hooks.message(parsed.message);
  }

  /** The server is draining (docs/scaling.md): the next wait is its hint, once, capped. */
  private hinted(attempt: Attempt, ms: number): void {
    if (attempt !== this.session || !Number.isFinite(ms) || ms < 0) return;
    this.retryHint = Math.min(ms, this.config.backoff.options.maxDelayMs);
  }

  private armHeartbeat(ms: number): void {
    this.heartbeatTimer = this.config.timers.setTimeout(() => {
      this.heartbeatTimer = undefined;
      const limit = this.interval + this.config.heartbeatGrace;
      const silent = this.config.now() - this.heard;
      // One timer per deadline rather than one per message: re-armed for what is left.
      if (silent >= limit) this.failed(this.session!, 'heartbeat-timeout');
      else this.armHeartbeat(limit - silent);
    }, ms);
  }

  private failed(attempt: Attempt, reason: string): void {
    if (attempt === this.probe) {
      this.end(attempt);
      this.probe = undefined;
      this.scheduleProbe();
      if (this.switching) {
        this.switching = false;
        this.hooks.release();
      }
      return;
    }
    if (attempt !== this.session) return;
    this.end(attempt);
    this.session = undefined;
    this.clear('heartbeatTimer');
    this.why = `${attempt.name}: ${reason}`;
    if (attempt.opened) {
      // Whenever a transport fails, its session is over (docs/sessions.md).
      this.clear('probeTimer');
      this.transport = undefined;
      this.state = 'reconnecting';
      this.hooks.lost();
      // A probe that already delivered takes over at once.
      if (this.probe?.opened) return this.adopt(this.probe, this.why);
      this.end(this.probe);
      this.probe = undefined;
      this.switching = false;
    } else if (this.retryHint !== undefined) {
      // Refused with a hint (a draining server's 503 and Retry-After): the transport works,
      // so it is tried again after the hint rather than walking down the ladder.
    } else if (this.index === this.home && this.everOpened && ++this.homeFailures < HOME_RETRIES) {
      // A transport that worked failing to open is most likely a server restarting, not
      // a proxy in the way: retry it after the backoff delay rather than step down (a
      // client that reached a lower transport first would stay there until the probe).
      this.index = this.home;
    } else if (this.index + 1 < this.config.transports.length) {
      // Never opened: down the ladder at once (docs/sessions.md, the fallback ladder).
      this.index++;
      this.attempt();
      return;
    } else {
      // A whole round failed: wait, then start again from the transport that last worked.
      this.index = this.home;
    }
    const delay = this.nextDelay(attempt);
    this.retryHint = undefined;
    // Armed before the event, so that a listener calling close() cancels it.
    this.retryTimer = this.config.timers.setTimeout(() => {
      this.retryTimer = undefined;
      this.attempt();
    }, delay);
    this.hooks.emit('reconnecting', { attempt: this.config.backoff.attempt, delay, reason: this.why });
  }

  private adopt(probe: Attempt, reason: string): void {
    this.switching = false;
    this.probe = undefined;
    const old = this.session;
    if (old !== undefined) {
      this.end(old);
      this.clear('heartbeatTimer');
      this.hooks.lost();
    }
    this.index = this.home = this.config.transports.indexOf(probe.name);
    this.established(probe, reason);
  }

  private scheduleProbe(): void {
    if (this.state !== 'open' || this.index === 0 || this.probeTimer !== undefined || this.probe !== undefined) return;
    const jitter = this.jitterRatio() * (2 * this.config.random() - 1);
    this.probeTimer = this.config.timers.setTimeout(() => {
      this.probeTimer = undefined;
      if (this.state !== 'open' || this.config.offline()) return this.scheduleProbe();
      this.begin(this.config.transports[0], true);
    }, Math.round(this.config.probeInterval * (1 + jitter)));
  }

  /**
   * The wait before the next attempt: the backoff's, or the server's hint. The hint is a
   * floor (RFC 9110 §10.2.3): its jitter only adds, so that clients told the same wait
   * still spread. A session that ended with a hint leaves the backoff where it was; a
   * refusal with one (a full or draining server) still moves the backoff on, so that a
   * server refusing again and again is not asked for the same short wait forever.
   */
  private nextDelay(attempt: Attempt): number {
    const hint = this.retryHint;
    if (hint === undefined) return this.config.backoff.next(this.config.now());
    const wait = Math.round(hint * (1 + this.jitterRatio() * this.config.random()));
    return attempt.opened ? wait : Math.max(wait, this.config.backoff.next(this.config.now()));
  }

  /** Probes and hints are spread like proportional backoff; the named policies keep the default 10 %. */
  private jitterRatio(): number {
    const policy = this.config.backoff.options.jitter;
    return typeof policy === 'number' ? policy : PROBE_JITTER;
  }

  private end(attempt: Attempt | undefined): void {
    if (attempt === undefined) return;
    this.config.timers.clearTimeout(attempt.timer);
    attempt.handle?.close();
  }

  private clear(name: 'retryTimer' | 'probeTimer' | 'heartbeatTimer'): void {
    if (this[name] !== undefined) this.config.timers.clearTimeout(this[name]);
    this[name] = undefined;
  }
}
