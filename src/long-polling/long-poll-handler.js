import { asError } from '../protocol/errors.js';
import { HubInputError, gapNotice, isCursorTooLong } from '../protocol/hub/contract.js';
import { channelOfRequest } from '../protocol/hub/request-channel.js';
import { openSubscription } from '../protocol/hub/subscription-handle.js';
import { positiveInteger } from '../protocol/integer-option.js';
import { reasonPhrase } from '../protocol/http-status.js';
import { readRequestBody } from './request-body.js';
import { isLongPollPost } from './wire.js';
const MAX_CLIENT_ID_LENGTH = 128;
export function createLongPollHandler(options) {
    const { hub } = options;
    const holdMs = options.holdMs ?? 30_000;
    const maxMessages = positiveInteger(options.maxMessagesPerPoll ?? 100, 'maxMessagesPerPoll');
    const maxBytes = positiveInteger(options.maxBytesPerPoll ?? 4 * 1024 * 1024, 'maxBytesPerPoll');
    const bodyLimits = {
        maxBytes: positiveInteger(options.maxBodyBytes ?? 64 * 1024, 'maxBodyBytes'),
        timeoutMs: positiveInteger(options.bodyTimeoutMs ?? 60_000, 'bodyTimeoutMs'),
    };
    const maxHeldPolls = options.maxHeldPolls ?? 10_000;
    if (!(holdMs >= 0) || !Number.isFinite(holdMs))
        throw new RangeError('holdMs must be >= 0');
    const publish = options.onPost ?? ((message, channel) => hub.publish(channel, message));
    const held = new Set();
    const byClient = new Map();
    const handle = (request, response) => {
        const choice = channelOfRequest(request, options.channel);
        if (!choice.ok) {
            sendJson(response, 400, { error: choice.reason });
            return;
        }
        if (request.method === 'GET')
            poll(request, response, choice.url, choice.channel);
        else if (request.method === 'POST')
            post(request, response, choice.channel);
        else
            sendJson(response, 405, { error: 'use GET to poll and POST to send' }, { allow: 'GET, POST' });
    };
    const poll = (request, response, url, channel) => {
        const cursor = url.searchParams.get('cursor') ?? undefined;
        const clientId = url.searchParams.get('client') ?? undefined;
        if (isCursorTooLong(cursor) || (clientId?.length ?? 0) > MAX_CLIENT_ID_LENGTH) {
            sendJson(response, 400, { error: 'cursor or client id too long' });
            return;
        }
        if (held.size >= maxHeldPolls) {
            sendJson(response, 503, { error: 'too many held polls' }, { 'retry-after': '1' });
            return;
        }
        // A newer poll from the same client replaces the held one, which is answered empty;
        // its cursor does not move, so nothing is lost.
        if (clientId !== undefined)
            byClient.get(clientId)?.finish();
        const messages = [];
        // JSON length of `messages` (characters; bytes for ASCII): the answer closes at maxBytesPerPoll.
        let bytes = 0;
        let gap;
        let headId;
        let live = false;
        let done = false;
        let subscription;
        let timer;
        let flush;
        const current = {
            finish: () => answer(200),
        };
        const cleanUp = () => {
            done = true;
            clearTimeout(timer);
            clearImmediate(flush);
            held.delete(current);
            if (clientId !== undefined && byClient.get(clientId) === current)
                byClient.delete(clientId);
            response.off('close', cleanUp);
            subscription?.stop();
        };
        const answer = (status, error) => {
            if (done)
                return;
            cleanUp();
            if (status !== 200) {
                sendJson(response, status, { error: error?.message ?? 'unavailable' });
                return;
            }
            const last = messages.length > 0 ? messages[messages.length - 1].id : undefined;
            const body = {
                cursor: last ?? headId ?? cursor ?? '',
                messages,
                ...(gap === undefined ? {} : { gap }),
            };
            sendJson(response, 200, body);
        };
        const listener = (event) => {
            if (done)
                return;
            switch (event.type) {
                case 'gap':
                    gap = gapNotice(event);
                    return;
                case 'message': {
                    const { id, event: name, data } = event.message;
                    const message = name === undefined ? { id, data } : { id, event: name, data };
                    messages.push(message);
                    bytes += JSON.stringify(message).length;
                    if (messages.length >= maxMessages || bytes >= maxBytes)
                        answer(200);
                    // Live messages published in one burst go out together.
                    else if (live && flush === undefined)
                        flush = setImmediate(() => answer(200));
                    return;
                }
                case 'live':
                    live = true;
                    headId = event.headId;
                    if (messages.length > 0 || gap !== undefined)
                        answer(200);
                    else
                        timer = setTimeout(() => answer(200), holdMs);
                    return;
                case 'error':
                    options.onError?.(event.error, request);
                    answer(503, event.error);
                    return;
            }
        };
        held.add(current);
        if (clientId !== undefined)
            byClient.set(clientId, current);
        response.on('close', cleanUp);
        subscription = openSubscription(hub, channel, listener, {
            since: cursor,
            onFailure: (failure) => {
                options.onError?.(failure, request);
                answer(failure instanceof HubInputError ? 400 : 503, failure);
            },
        });
    };
    const post = (request, response, channel) => {
        void readRequestBody(request, bodyLimits).then((read) => {
            // Close after answering: reading the rest would let the client spend our time.
            if (!read.ok)
                return sendJson(response, read.status, { error: read.error }, { connection: 'close' });
            let body;
            try {
                body = JSON.parse(read.body.toString('utf8'));
            }
            catch {
                sendJson(response, 400, { error: 'body must be JSON: {"data": string, "event"?: string}' });
                return;
            }
            if (!isLongPollPost(body)) {
                sendJson(response, 400, { error: 'body must be JSON: {"data": string, "event"?: string}' });
                return;
            }
            const message = body.event === undefined ? { data: body.data } : { data: body.data, event: body.event };
            Promise.resolve()
                .then(() => publish(message, channel, request))
                .then((id) => sendJson(response, 200, typeof id === 'string' ? { id } : {}), (error) => {
                const failure = asError(error);
                if (failure instanceof HubInputError) {
                    sendJson(response, 400, { error: failure.message });
                    return;
                }
                options.onError?.(failure, request);
                sendJson(response, 500, { error: 'could not handle the message' });
            });
        });
    };
    // defineProperties, not Object.assign: assign would copy the getter's value once.
    return Object.defineProperties(handle, {
        heldPolls: { get: () => held.size },
        close: {
            value: () => {
                for (const poll of [...held])
                    poll.finish();
            },
        },
    });
}
function sendJson(response, status, body, headers = {}) {
    if (response.headersSent || response.destroyed)
        return;
    const text = JSON.stringify(body);
    response.writeHead(status, reasonPhrase(status), {
        ...headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        // Each answer depends on the cursor and the moment; no cache may replay one.
        'cache-control': 'no-store',
    });
    response.end(text);
}
//# sourceMappingURL=long-poll-handler.js.map