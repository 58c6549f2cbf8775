import type { ConnectionTrace } from './connection-trace.js';
import type { TraceEvent, TraceListener } from './trace-events.js';

/**
 * The traced connections of the process, to subscribe to by id (one connection)
 * or by label (every connection the application labelled alike, e.g. one
 * viewer's WebSocket, event stream and polls). A subscription may come before
 * the connection exists. Ended traces stay a while for late subscribers: the
 * last `DEFAULT_ENDED_KEPT`, configurable.
 */
export const DEFAULT_ENDED_KEPT = 64;

const live = new Map<string, ConnectionTrace>();
const ended = new Map<string, ConnectionTrace>();
const byId = new Map<string, Set<TraceListener>>();
const byLabel = new Map<string, Set<TraceListener>>();
let endedKept = DEFAULT_ENDED_KEPT;

export type TraceSelector = { id: string } | { label: string };

/**
 * Calls `listener` with every event of the selected connections: first those
 * already kept (of connections live or recently ended), then live ones as they
 * happen. Returns the unsubscribe.
 */
export function subscribeTrace(selector: TraceSelector, listener: TraceListener): () => void {
  const [map, key] = 'id' in selector ? [byId, selector.id] : [byLabel, selector.label];
  const kept = [...ended.values(), ...live.values()].filter((trace) => ('id' in selector ? trace.id === key : trace.label === key));
  for (const event of kept.flatMap((trace) => trace.events).sort(byTime)) listener(event);
  let listeners = map.get(key);
  if (!listeners) map.set(key, (listeners = new Set()));
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && map.get(key) === listeners) map.delete(key);
  };
}

/** A traced connection, live or recently ended, by id. */
export function findTrace(id: string): ConnectionTrace | undefined {
  return live.get(id) ?? ended.get(id);
}

/** Traced connections open now. */
export function liveTraces(): ConnectionTrace[] {
  return [...live.values()];
}

/** How many ended traces to keep for late subscribers (default 64; 0 keeps none). */
export function setEndedTracesKept(count: number): void {
  if (!(count >= 0) || count % 1 !== 0) throw new RangeError(`count must be a whole number, got ${count}`);
  endedKept = count;
  trimEnded();
}

/** @internal */
export function traceStarted(trace: ConnectionTrace): void {
  live.set(trace.id, trace);
}

/** @internal */
export function traceEvent(trace: ConnectionTrace, event: TraceEvent): void {
  byId.get(trace.id)?.forEach((listener) => listener(event));
  if (trace.label !== undefined) byLabel.get(trace.label)?.forEach((listener) => listener(event));
}

/** @internal */
export function traceEnded(trace: ConnectionTrace): void {
  live.delete(trace.id);
  ended.set(trace.id, trace);
  trimEnded();
}

function trimEnded(): void {
  for (const id of ended.keys()) {
    if (ended.size <= endedKept) break;
    ended.delete(id);
  }
}

function byTime(a: TraceEvent, b: TraceEvent): number {
  return a.time - b.time;
}
