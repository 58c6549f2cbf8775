export { createLongPollHandler, type LongPollHandler, type LongPollHandlerOptions } from './long-poll-handler.js';
export { LongPollClient, LongPollHttpError, type LongPollClientInit } from './long-poll-client.js';
export { isLongPollPost, isLongPollResponse, type LongPollGap, type LongPollMessage, type LongPollPost, type LongPollResponse } from './wire.js';
export { readRequestBody, type RequestBody, type RequestBodyLimits } from './request-body.js';
