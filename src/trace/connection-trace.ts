import { publishTraceEvent } from './trace-channels.js';
import type { Sender, TraceEvent, TraceListener, TraceTransport } from './trace-events.js';
import { WireDecoder } from './wire-decoder.js';
import { traceEnded, traceEvent, traceStarted } from './trace-registry.js';

export interface ConnectionTraceOptions {
  transport: TraceTransport;
  /** A name the application gives a group of connections (e.g. one viewer's page), to subscribe to them together. */
  label?: string;
  /** Which directions start with an HTTP head as bytes (a proxy; a client that writes its own request). */
  headFirst?: { client?: boolean; server?: boolean };
  /** Most payload bytes kept per frame (the rest is counted, not kept). Default 16 KiB. */
  captureLimit?: number;
  /** Events kept for a listener that subscribes late. Default 1,000. */
  historyLimit?: number;
  /** And at most about this many characters of them (hex and text). Default 1 MiB. */
  historyChars?: number;
}

export const DEFAULT_HISTORY_LIMIT = 1000;
export const DEFAULT_HISTORY_CHARS = 1024 * 1024;
export const DEFAULT_TRACE_CAPTURE_LIMIT = 16 * 1024;

const counters: Record<TraceTransport, number> = { websocket: 0, sse: 0, 'long-polling': 0 };
const PREFIX: Record<TraceTransport, string> = { websocket: 'ws', sse: 'sse', 'long-polling': 'poll' };
const now = (): number => performance.timeOrigin + performance.now();

/**
 * The wire trace of one connection: what its bytes were, in both directions,
 * as events (trace-events.ts) with a time and a byte count. Each event goes to
 * the trace's listeners, to the registry's (by id or label), and to the
 * diagnostics channels. The last `historyLimit` events are kept, so that a
 * listener that subscribes later (a page that learnt its id after the
 * handshake) sees the beginning.
 */
export class ConnectionTrace {
  readonly id: string;
  readonly label: string | undefined;
  readonly transport: TraceTransport;
  private seq = 0;
  private readonly decoders: Record<Sender, WireDecoder>;
  private readonly history: TraceEvent[] = [];
  private readonly historyLimit: number;
  private readonly historyChars: number;
  private historySize = 0;
  private readonly listeners = new Set<TraceListener>();
  private over = false;

  constructor(options: ConnectionTraceOptions) {
    this.transport = options.transport;
    this.id = `${PREFIX[options.transport]}-${++counters[options.transport]}`;
    this.label = options.label;
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.historyChars = options.historyChars ?? DEFAULT_HISTORY_CHARS;
    const captureLimit = options.captureLimit ?? DEFAULT_TRACE_CAPTURE_LIMIT;
    this.decoders = {
      client: new WireDecoder(options.headFirst?.client === true, captureLimit),
      server: new WireDecoder(options.headFirst?.server === true, captureLimit),
    };
    traceStarted(this);
  }

  get ended(): boolean {
    return this.over;
  }

  /** The events kept so far, oldest first. */
  get events(): readonly TraceEvent[] {
    return this.history;
  }

  /** Bytes of a WebSocket connection as they crossed the wire, sent by `from`. */
  bytes(from: Sender, chunk: Uint8Array): void {
    if (this.over) return;
    const time = now();
    for (const piece of this.decoders[from].push(chunk)) {
      const init = piece as TraceEventInit & { from: Sender; time: number };
      init.from = from;
      init.time = time;
      this.record(init);
    }
  }

  /** An HTTP head Node parsed or built, given as text (`exact`: these are the bytes on the wire). */
  head(from: Sender, text: string, exact: boolean): void {
    this.record({ type: 'http-head', from, bytes: Buffer.byteLength(text), text, exact, time: now() });
  }

  /** Body text as written or read (SSE events, a long-poll body). */
  body(from: Sender, text: string): void {
    this.record({ type: 'body', from, bytes: Buffer.byteLength(text), text, time: now() });
  }

  end(): void {
    if (this.over) return;
    this.record({ type: 'end', time: now() });
    this.over = true;
    this.listeners.clear();
    traceEnded(this);
  }

  /** Listens to this connection's events; those already kept are replayed first. Returns the unsubscribe. */
  subscribe(listener: TraceListener, replay = true): () => void {
    if (replay) for (const event of this.history) listener(event);
    if (this.over) return noop;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(init: TraceEventInit): void {
    if (this.over) return;
    // The init object becomes the event: no copy per event.
    const event = init as TraceEvent;
    event.connection = this.id;
    if (this.label !== undefined) event.label = this.label;
    event.transport = this.transport;
    event.seq = this.seq++;
    // The history is bounded in events and in characters: a trace is kept for late
    // listeners, and for a while after its end, so it must not grow with the traffic.
    this.history.push(event);
    this.historySize += sizeOf(event);
    while (this.history.length > 1 && (this.history.length > this.historyLimit || this.historySize > this.historyChars)) {
      this.historySize -= sizeOf(this.history.shift()!);
    }
    for (const listener of this.listeners) listener(event);
    traceEvent(this, event);
    publishTraceEvent(event);
  }
}

type TraceEventInit = DistributiveOmit<TraceEvent, 'connection' | 'transport' | 'seq'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function noop(): void {}

/** About how many characters an event holds. */
function sizeOf(event: TraceEvent): number {
  return 100 + (event.type === 'frame' ? event.hex.length : event.type === 'http-head' || event.type === 'body' ? event.text.length : 0);
}
