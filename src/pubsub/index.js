export { attachPubSub, createPubSubServer } from './pubsub-server.js';
export {} from './pubsub-session.js';
export {} from './hub-recovery.js';
//# sourceMappingURL=index.js.map