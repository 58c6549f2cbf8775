// The browser client (served as `<prefix>/client.js`, published as `switchboard/client`):
// one session for every channel, over WebSocket, SSE or long polling (docs/client.md).
// Browser-safe: platform globals and the pure protocol core only.
export { connect, SwitchboardClient, type Subscription } from './client.js';
export { SwitchboardEvent, type ClientEventMap, type ClientEventName } from './events.js';
export type { ClientOptions, ClientState, TransportName } from './options.js';
export { PublishError, type PublishErrorCode } from './publishes.js';
export type { FetchLike, ResponseLike, RequestInitLike, Timers, WebSocketConstructor, WebSocketLike } from './platform.js';
export type { ChannelEvent } from '../protocol/pubsub/client-channels.js';
export type { ChannelMessage, ErrorMessage, GapMessage, SubscribedMessage } from '../protocol/pubsub/messages.js';
export type { BackoffOptions, JitterPolicy } from '../protocol/reconnect/backoff.js';
