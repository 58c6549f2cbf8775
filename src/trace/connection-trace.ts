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
  /** Most payload bytes kept per frame. Default 1 MiB (the annotator's). */
  captureLimit?: number;
  /** Events kept for a listener that subscribes late. Default 1,000. */
  historyLimit?: number;
}

export const DEFAULT_HISTORY_LIMIT = 1000;

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
  private readonly listeners = new Set<TraceListener>();
  private over = false;

  constructor(options: ConnectionTraceOptions) {
    this.transport = options.transport;
    this.id = `${PREFIX[options.transport]}-${++counters[options.transport]}`;
    this.label = options.label;
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.decoders = {
      client: new WireDecoder(options.headFirst?.client === true, options.captureLimit),
      server: new WireDecoder(options.headFirst?.server === true, options.captureLimit),
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
    this.history.push(event);
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const listener of this.listeners) listener(event);
    traceEvent(this, event);
    publishTraceEvent(event);
  }
}

type TraceEventInit = DistributiveOmit<TraceEvent, 'connection' | 'transport' | 'seq'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function noop(): void {}
