export { attachPubSub, createPubSubServer, type CreatePubSubServerOptions, type PubSubOptions, type PubSubServer } from './pubsub-server.js';
export { type PubSubAction, type PubSubAuthorize } from './pubsub-session.js';
export { type PubSubRecoveryOptions, type RecoveryTimers } from './hub-recovery.js';
export { type DrainOptions } from './drain.js';
