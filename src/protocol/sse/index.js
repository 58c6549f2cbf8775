// Server-Sent Events protocol core (WHATWG HTML §9.2): pure serializer and parser.
export { SseSerializeError, serializeComment, serializeData, serializeEvent, serializeRetry, } from './serializer.js';
export { DEFAULT_MAX_EVENT_SIZE, EventStreamParser, SseParseError, } from './parser.js';
//# sourceMappingURL=index.js.map