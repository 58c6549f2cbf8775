export {
  HubClosedError,
  HubInputError,
  MAX_CHANNEL_NAME_LENGTH,
  formatMessageId,
  isValidEpoch,
  parseMessageId,
  validateChannelName,
  type GapReason,
  type Hub,
  type HubMessage,
  type HubPosition,
  type PublishInput,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionEvent,
  type SubscriptionListener,
} from '../protocol/hub/contract.js';
export { MemoryHub, type MemoryHubOptions } from './memory-hub.js';
export { HubUnavailableError } from './hub-unavailable-error.js';
export { RedisHub, type RedisHubOptions } from './redis-hub.js';
export type { RedisCommander, RedisMessageListener, RedisSubscriber } from './redis-client.js';
export {
  ioredisCommander,
  ioredisSubscriber,
  nodeRedisCommander,
  nodeRedisSubscriber,
  type IoRedisClientLike,
  type IoRedisSubscriberLike,
  type NodeRedisClientLike,
  type NodeRedisSubscriberLike,
} from './redis-adapters.js';
export {
  PRESENCE_DEFAULTS,
  parsePresenceEvent,
  type Presence,
  type PresenceEvent,
  type PresenceInfo,
  type PresenceLimits,
  type PresenceMember,
  type PresenceSnapshot,
} from '../protocol/hub/presence.js';
export { MemoryPresence, type MemoryPresenceOptions } from './presence/memory-presence.js';
export { RedisPresence, type PresenceTimers, type RedisPresenceOptions } from './presence/redis-presence.js';
