// Graceful restart: a server's pub/sub connections closed with 1012 (Service Restart),
// spread evenly over a window, each told first by a `restart` message when to come back,
// so that a deploy moves its clients (to the other processes behind a load balancer, or
// back to this one once restarted) without all of them reconnecting at the same moment
// (docs/scaling.md, "Graceful restart").
import { nonNegativeInteger } from '../protocol/integer-option.js';
import { encodeServerMessage } from '../protocol/pubsub/encode.js';
import { CloseCode } from '../protocol/websocket/index.js';
import { OPEN } from '../websocket/ready-state.js';
import type { SocketConnection } from '../websocket/socket-connection.js';

export interface DrainOptions {
  /** The closes are spread evenly over this many ms. Default 10 000. */
  readonly windowMs?: number;
  /**
   * How long each client waits after its close before reconnecting. Default 0: at once,
   * to another process behind a load balancer. For a lone process, the window plus the
   * restart's downtime, so that nobody knocks before it listens again.
   */
  readonly retryAfterMs?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The options with their defaults; a window a timer cannot take is refused. */
export function resolveDrainOptions(options: DrainOptions): Required<DrainOptions> {
  const windowMs = nonNegativeInteger(options.windowMs ?? 10_000, 'windowMs');
  const retryAfterMs = nonNegativeInteger(options.retryAfterMs ?? 0, 'retryAfterMs');
  if (windowMs > MAX_TIMER_MS) throw new RangeError(`windowMs must be at most 2^31 - 1 ms, got ${windowMs}`);
  return { windowMs, retryAfterMs };
}

/** Tells `connection` to come back after `retryMs` and closes it with 1012. */
export function sendRestart(connection: SocketConnection, retryMs: number): void {
  if (connection.readyState !== OPEN) return;
  connection.send(encodeServerMessage({ type: 'restart', retry: retryMs }));
  connection.close(CloseCode.ServiceRestart, 'Service restart');
}

export interface Drain {
  /** The hint for a connection that arrives while draining: come back after the window. */
  retryForLateComer(now: number): number;
  /** Settles once every connection being drained has closed. */
  readonly done: Promise<void>;
  /** Stops closing (the server is closing them all now). */
  cancel(): void;
}

/**
 * Sends `restart` to `items` one after another over the window (for a WebSocket:
 * `sendRestart`, which skips one already closed). `allClosed` settles once they have all
 * closed (the server knows when). The mount drains its SSE and polling sessions with it too.
 */
export function startDrain<T>(items: readonly T[], restart: (item: T, retryMs: number) => void, options: DrainOptions, now: number, allClosed: Promise<void>): Drain {
  const { windowMs, retryAfterMs } = resolveDrainOptions(options);
  const timers = items.map((item, i) => setTimeout(restart, (windowMs * i) / items.length, item, retryAfterMs));
  return {
    retryForLateComer: (at) => retryAfterMs + Math.max(0, now + windowMs - at),
    done: allClosed,
    cancel: () => {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
