// Public entry point of the `switchboard` package: what an application uses — servers,
// clients, handlers, hubs, their events, errors and option types.
// The pure protocol cores have their own entry, `switchboard/protocol` (src/protocol/index.ts).
// Layers point one way: protocol core <- transports <- hub <- apps.
// The list is explicit, so that every change to the surface is deliberate
// (test/architecture/public-surface.test.ts pins it).
// --- WebSocket (RFC 6455) over node:http / node:net / node:tls ---
export { WebSocketConnection, WebSocketServer, WebSocket, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_TIMEOUT, Heartbeat, heartbeatClock, 
// The ready-state numbers stay static fields (`WebSocket.OPEN`…): as bare names they
// would clash with `EventSource.CLOSED === 2`. The event classes are not the WHATWG
// `Event`s that EventSource, LongPollClient and ReconnectingWebSocket dispatch, so they
// do not take the global names.
WebSocketEvent, WebSocketMessageEvent, WebSocketCloseEvent, WebSocketErrorEvent, } from './websocket/index.js';
// What an application meets from the core: close codes to close with, and the error
// a protocol violation is reported with.
export { CloseCode, ProtocolError } from './protocol/websocket/index.js';
// --- Server-Sent Events ---
export { SSE_DEFAULTS, SseStream, createSseHandler, EventSource, } from './sse/index.js';
export { SseSerializeError } from './protocol/sse/index.js';
// --- Long polling ---
export * from './long-polling/index.js';
// --- Hubs: one contract, in memory or shared through Redis ---
export { HubClosedError, HubInputError, MemoryHub, HubUnavailableError, RedisHub, ioredisCommander, ioredisSubscriber, nodeRedisCommander, nodeRedisSubscriber, } from './hub/index.js';
// --- Pub/sub over WebSocket (switchboard.v1): the server and the reconnecting client ---
export * from './pubsub/index.js';
export {} from './protocol/pubsub/index.js';
export { DEFAULT_STOP_CODES, ReconnectingWebSocket, DropEvent, PublishError, ReconnectEvent, ReconnectingCloseEvent, ReconnectingErrorEvent, ResumeEvent, ServerErrorEvent, } from './reconnect/index.js';
// --- The Switchboard mount: one session per page over WebSocket, SSE or long polling, and the browser client ---
export { SWITCHBOARD_DEFAULTS, createSwitchboard, mountSwitchboard, } from './mount/index.js';
//# sourceMappingURL=index.js.map