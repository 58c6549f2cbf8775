// Server-Sent Events protocol core (WHATWG HTML §9.2): pure serializer and parser.
export {
  SseSerializeError,
  serializeComment,
  serializeData,
  serializeEvent,
  serializeRetry,
  type SseEventInit,
} from './serializer.js';
export {
  DEFAULT_MAX_EVENT_SIZE,
  EventStreamParser,
  SseParseError,
  type EventStreamParserOptions,
  type SseParseItem,
} from './parser.js';
