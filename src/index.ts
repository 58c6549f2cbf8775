// Public entry point of the `switchboard` package: what an application uses — servers,
// clients, handlers, hubs, their events, errors and option types.
// The pure protocol cores have their own entry, `switchboard/protocol` (src/protocol/index.ts).
// Layers point one way: protocol core <- transports <- hub <- apps.
// The list is explicit, so that every change to the surface is deliberate
// (test/architecture/public-surface.test.ts pins it).

// --- WebSocket (RFC 6455) over node:http / node:net / node:tls ---
export {
  type BinaryType,
  type ConnectionOptions,
  type SendData,
  type SendResult,
  WebSocketConnection,
  type SocketConnection,
  type ReadyState,
  type Rejection,
  type VerifyResult,
  WebSocketServer,
  type WebSocketServerBase,
  type WebSocketServerOptions,
  type ServerFace,
  // The lean face: handlers once per server, `ws.data`, no listeners per connection.
  LeanWebSocketServer,
  type LeanWebSocketServerOptions,
  type LeanWebSocket,
  type WebSocketHandlers,
  WebSocket,
  type WebSocketClientOptions,
  type CarrierKind,
  type HandshakeRequest,
  type Http2ConnectRequest,
  type PerMessageDeflateOption,
  type PerMessageDeflateOptions,
  DEFAULT_HEARTBEAT_INTERVAL,
  DEFAULT_HEARTBEAT_TIMEOUT,
  Heartbeat,
  type HeartbeatOptions,
  heartbeatClock,
  type IncomingMessage,
  // The ready-state numbers stay static fields (`WebSocket.OPEN`…): as bare names they
  // would clash with `EventSource.CLOSED === 2`. The event classes are not the WHATWG
  // `Event`s that EventSource, LongPollClient and ReconnectingWebSocket dispatch, so they
  // do not take the global names.
  WebSocketEvent,
  WebSocketMessageEvent,
  WebSocketCloseEvent,
  WebSocketErrorEvent,
  type WebSocketEventMap,
} from './websocket/index.js';
// What an application meets from the core: close codes to close with, and the error
// a protocol violation is reported with.
export { CloseCode, ProtocolError } from './protocol/websocket/index.js';

// --- Server-Sent Events ---
export {
  SSE_DEFAULTS,
  SseStream,
  type SseCloseReason,
  type SseRequest,
  type SseResponse,
  type SseStreamOptions,
  createSseHandler,
  type SseHandler,
  type SseHandlerOptions,
  EventSource,
  type EventSourceInit,
} from './sse/index.js';
export { SseSerializeError, type SseEventInit } from './protocol/sse/index.js';

// --- Long polling ---
export * from './long-polling/index.js';

// --- Wire traces: the bytes of chosen connections, as events (docs/inspector.md) ---
export {
  ConnectionTrace,
  type ConnectionTraceOptions,
  type FrameSummary,
  type Sender,
  TRACE_CHANNELS,
  type TraceEvent,
  type TraceListener,
  type TraceSelector,
  type TraceTransport,
  findTrace,
  liveTraces,
  traceHttpExchange,
  setEndedTracesKept,
  subscribeTrace,
} from './trace/index.js';
export { type TraceOption, traceConnection, traceOf } from './websocket/index.js';

// --- Metrics for operators: counters, gauges, histograms, the Prometheus text format (docs/scaling.md) ---
export {
  Counter,
  DEFAULT_LATENCY_BUCKETS,
  Gauge,
  Histogram,
  type CollectedFamily,
  type HistogramSample,
  type Labels,
  type MetricFamily,
  type MetricOptions,
  type MetricType,
  MetricsRegistry,
  type MetricsTransport,
  type Sample,
  METRICS_CHANNELS,
  PROMETHEUS_CONTENT_TYPE,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  metrics,
  renderPrometheus,
} from './metrics/index.js';

// --- Hubs: one contract, in memory or shared through Redis ---
export {
  HubClosedError,
  HubInputError,
  type GapReason,
  type Hub,
  type HubMessage,
  type HubPosition,
  type PublishInput,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionEvent,
  type SubscriptionListener,
  MemoryHub,
  type MemoryHubOptions,
  HubUnavailableError,
  RedisHub,
  type RedisHubOptions,
  type RedisCommander,
  type RedisMessageListener,
  type RedisSubscriber,
  ioredisCommander,
  ioredisSubscriber,
  nodeRedisCommander,
  nodeRedisSubscriber,
  type IoRedisClientLike,
  type IoRedisSubscriberLike,
  type NodeRedisClientLike,
  type NodeRedisSubscriberLike,
  PRESENCE_DEFAULTS,
  parsePresenceEvent,
  type Presence,
  type PresenceEvent,
  type PresenceInfo,
  type PresenceLimits,
  type PresenceMember,
  type PresenceSnapshot,
  MemoryPresence,
  type MemoryPresenceOptions,
  RedisPresence,
  type PresenceTimers,
  type RedisPresenceOptions,
} from './hub/index.js';

// --- Pub/sub over WebSocket (switchboard.v1): the server and the reconnecting client ---
export * from './pubsub/index.js';
export { type PubSubLimits } from './protocol/pubsub/index.js';
export {
  DEFAULT_STOP_CODES,
  ReconnectingWebSocket,
  type ChannelEvent,
  type ChannelHandler,
  type ChannelSubscriptionHandle,
  type ReconnectingWebSocketOptions,
  DropEvent,
  PublishError,
  ReconnectEvent,
  ReconnectingCloseEvent,
  ReconnectingErrorEvent,
  ResumeEvent,
  ServerErrorEvent,
  type DropReason,
  type BackoffOptions,
  type JitterPolicy,
} from './reconnect/index.js';

// --- The Switchboard mount: one session per page over WebSocket, SSE or long polling, and the browser client ---
export {
  SWITCHBOARD_DEFAULTS,
  createSwitchboard,
  mountSwitchboard,
  type MountableServer,
  type Switchboard,
  type SwitchboardOptions,
  type SwitchboardRequest,
  type SwitchboardResponse,
  type SwitchboardPresenceOptions,
  type SwitchboardTransport,
} from './mount/index.js';
