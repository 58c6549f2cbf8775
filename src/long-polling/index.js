export { createLongPollHandler } from './long-poll-handler.js';
export { LongPollClient, LongPollHttpError } from './long-poll-client.js';
export { isLongPollPost, isLongPollResponse } from './wire.js';
export { readRequestBody } from './request-body.js';
//# sourceMappingURL=index.js.map