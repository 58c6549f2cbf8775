export { HubClosedError, HubInputError, MAX_CHANNEL_NAME_LENGTH, formatMessageId, isValidEpoch, parseMessageId, validateChannelName, } from '../protocol/hub/contract.js';
export { MemoryHub } from './memory-hub.js';
export { HubUnavailableError } from './hub-unavailable-error.js';
export { RedisHub } from './redis-hub.js';
export { ioredisCommander, ioredisSubscriber, nodeRedisCommander, nodeRedisSubscriber, } from './redis-adapters.js';
//# sourceMappingURL=index.js.map