export { SSE_DEFAULTS, SseStream } from './sse-stream.js';
export { createSseHandler } from './sse-handler.js';
export { EventSource } from './event-source.js';
//# sourceMappingURL=index.js.map