export {
  ConnectionTrace,
  type ConnectionTraceOptions,
  DEFAULT_HISTORY_CHARS,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_TRACE_CAPTURE_LIMIT,
} from './connection-trace.js';
export { TRACE_CHANNELS } from './trace-channels.js';
export type { FrameSummary, Sender, TraceEvent, TraceListener, TraceTransport } from './trace-events.js';
export { DEFAULT_ENDED_KEPT, type TraceSelector, findTrace, liveTraces, setEndedTracesKept, subscribeTrace } from './trace-registry.js';
export { rebuildHead, tapReads, tapSocket, tapWrites } from './socket-tap.js';
export { type DecodedPiece, WireDecoder, summarize } from './wire-decoder.js';
export { type TraceOption, decideTrace } from './trace-option.js';
export { traceExchange, traceHttpExchange } from './http-exchange-tap.js';
