export { SSE_DEFAULTS, SseStream, type SseCloseReason, type SseRequest, type SseResponse, type SseStreamOptions } from './sse-stream.js';
export { createSseHandler, type SseHandler, type SseHandlerOptions } from './sse-handler.js';
export { EventSource, type EventSourceInit } from './event-source.js';
