export { WebSocketConnection } from './connection.js';
export {} from './connection-settings.js';
export { CLOSED, CLOSING, CONNECTING, OPEN } from './ready-state.js';
export { SocketAdapter } from './socket-adapter.js';
export { SocketConnection } from './socket-connection.js';
export {} from './send-data.js';
export { WebSocketServer } from './server.js';
export { WebSocket } from './client.js';
export { DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_TIMEOUT, Heartbeat, heartbeatClock, } from './heartbeat.js';
export {} from './message-iterator.js';
export { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent, WebSocketEvent } from './events.js';
//# sourceMappingURL=index.js.map