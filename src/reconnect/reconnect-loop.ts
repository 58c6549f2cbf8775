// The reconnect loop of a ReconnectingWebSocket: open a WebSocket; when it closes, stop
// for good (close(), a stop code, maxAttempts attempts in a row that did not open) or
// wait the backoff's next delay and open another. It dispatches the connection events
// ('error', 'close', 'reconnect') on the client; what to do with an open connection
// (resubscribe, send the queue…) is the client's, through the hooks.
import type { Backoff } from '../protocol/reconnect/backoff.js';
import { WebSocket, type WebSocketClientOptions } from '../websocket/index.js';
import { ReconnectEvent, ReconnectingCloseEvent, ReconnectingErrorEvent } from './reconnect-events.js';

export interface ReconnectLoopSettings {
  readonly url: string;
  readonly protocols: string[];
  readonly backoff: Backoff;
  readonly maxAttempts: number;
  readonly shouldStop: (code: number, reason: string) => boolean;
  readonly websocket: WebSocketClientOptions;
}

export interface ReconnectLoopHooks {
  /** A connection opened; `readyState` is OPEN. */
  open(socket: WebSocket): void;
  /** A frame arrived on the current connection. */
  message(socket: WebSocket, data: Buffer, isBinary: boolean): void;
  /** The current connection closed, before the loop decides whether to come back. */
  lost(): void;
  /** The loop stopped for good: nothing queued will ever be sent. */
  stopped(): void;
}

export class ReconnectLoop {
  /** CONNECTING while connecting or waiting to reconnect; CLOSED once stopped. */
  readyState: 0 | 1 | 2 | 3 = 0;
  private socket: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private lastError = '';
  private isStopped = false;
  /** The server's `restart` hint on the current connection: the next delay, instead of the backoff's. */
  private retryHint: number | undefined;

  constructor(
    private readonly settings: ReconnectLoopSettings,
    private readonly target: EventTarget,
    private readonly hooks: ReconnectLoopHooks,
  ) {}

  /** The current connection, open or not. */
  get current(): WebSocket | undefined {
    return this.socket;
  }

  /** True once closed for good: by close(), a stop code or maxAttempts. */
  get stopped(): boolean {
    return this.isStopped;
  }

  connect(): void {
    this.timer = undefined;
    this.readyState = 0;
    this.retryHint = undefined;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.settings.url, this.settings.protocols, this.settings.websocket);
    } catch (error) {
      // A bad URL or protocol list will not get better by retrying.
      this.stop();
      this.readyState = 3;
      throw error;
    }
    this.socket = socket;
    socket.on('open', () => this.onOpen(socket));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (socket === this.socket) this.hooks.message(socket, data, isBinary);
    });
    socket.on('error', (error: Error) => this.onError(socket, error));
    socket.on('close', (code: number, reason: string, wasClean: boolean) => this.onClose(socket, code, reason, wasClean));
  }

  /**
   * The server is restarting and asks to come back after `ms` (the `restart` message):
   * used once, for the close that follows, capped at the backoff's largest delay. The
   * backoff is left as it was, so a failure after that starts from its first delay.
   */
  comeBackAfter(ms: number): void {
    this.retryHint = Math.min(ms, this.settings.backoff.options.maxDelayMs);
  }

  /** Stops for good and closes the current connection (or reports the close at once when there is none). */
  close(code?: number, reason?: string): void {
    if (this.isStopped) return;
    this.stop();
    const socket = this.socket;
    if (socket !== undefined) {
      this.readyState = 2;
      socket.close(code, reason);
      return;
    }
    process.nextTick(() => this.finish(code ?? 1005, reason ?? '', true));
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.readyState = 1;
    this.attempts = 0;
    this.settings.backoff.connected(Date.now());
    this.hooks.open(socket);
  }

  private onError(socket: WebSocket, error: Error): void {
    if (socket !== this.socket) return;
    this.lastError = error.message;
    this.target.dispatchEvent(new ReconnectingErrorEvent(error));
  }

  private onClose(socket: WebSocket, code: number, reason: string, wasClean: boolean): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    const why = reason || this.lastError;
    this.lastError = '';
    this.hooks.lost();
    if (this.isStopped) return this.finish(code, reason, wasClean);
    if (this.settings.shouldStop(code, reason) || this.attempts >= this.settings.maxAttempts) {
      this.stop();
      return this.finish(code, reason, wasClean);
    }
    this.readyState = 0;
    const delayMs = this.retryHint ?? this.settings.backoff.next(Date.now());
    this.retryHint = undefined;
    this.attempts++;
    this.target.dispatchEvent(new ReconnectingCloseEvent(code, reason, wasClean, true));
    // A listener may have called close().
    if (this.isStopped) return;
    this.target.dispatchEvent(new ReconnectEvent(this.attempts, delayMs, code, why));
    if (this.isStopped) return;
    this.timer = setTimeout(() => this.connect(), delayMs);
  }

  private stop(): void {
    this.isStopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.hooks.stopped();
  }

  private finish(code: number, reason: string, wasClean: boolean): void {
    this.readyState = 3;
    this.target.dispatchEvent(new ReconnectingCloseEvent(code, reason, wasClean, false));
  }
}
