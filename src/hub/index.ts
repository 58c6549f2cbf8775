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
} from './hub.js';
export { MemoryHub, type MemoryHubOptions } from './memory-hub.js';
