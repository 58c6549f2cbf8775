// Request handler turning `GET /…?channel=name` into an event stream fed by a hub, for
// node:http (and so Express) and the node:http2 compatibility API alike.
import { serializeEvent } from '../protocol/sse/index.js';
import { gapNotice, isCursorTooLong } from '../protocol/hub/contract.js';
import { channelOfRequest } from '../protocol/hub/request-channel.js';
import { openSubscription } from '../protocol/hub/subscription-handle.js';
import { writeHead } from './write-head.js';
import { SseStream } from './sse-stream.js';
export function createSseHandler(options) {
    const { hub } = options;
    const lastEventIdParam = options.lastEventIdParam ?? 'lastEventId';
    const gapEvent = options.gapEvent ?? 'gap';
    // One serialization per message, however many streams it goes to.
    const wire = new WeakMap();
    const serialize = (message) => {
        let text = wire.get(message);
        if (text === undefined) {
            text = serializeEvent({ id: message.id, event: message.event, data: message.data });
            wire.set(message, text);
        }
        return text;
    };
    return (request, response) => {
        if (request.method !== 'GET') {
            reject(response, 405, 'event streams are read with GET', { allow: 'GET' });
            return;
        }
        // Checked before the 200: a stream that fails later only makes the client retry forever.
        const choice = channelOfRequest(request, options.channel);
        if (!choice.ok) {
            reject(response, 400, choice.reason);
            return;
        }
        const { channel, url } = choice;
        const header = request.headers['last-event-id'];
        const since = (typeof header === 'string' ? header : undefined) ?? url.searchParams.get(lastEventIdParam) ?? undefined;
        if (isCursorTooLong(since)) {
            reject(response, 400, 'Last-Event-ID too long');
            return;
        }
        const stream = new SseStream(response, options);
        const listener = (event) => {
            switch (event.type) {
                case 'message':
                    stream.writeRaw(serialize(event.message));
                    return;
                case 'gap':
                    // No id: the client's Last-Event-ID must stay on the last message it really got.
                    stream.send({ event: gapEvent, data: JSON.stringify(gapNotice(event)) });
                    return;
                case 'live':
                    return;
                case 'error':
                    options.onError?.(event.error, request);
                    stream.close();
                    return;
            }
        };
        const subscription = openSubscription(hub, channel, listener, {
            since,
            onFailure: (error) => {
                options.onError?.(error, request);
                stream.close();
            },
        });
        stream.onClose((reason) => {
            subscription.stop();
            options.onStreamClose?.(reason, request);
        });
    };
}
function reject(response, status, message, headers = {}) {
    writeHead(response, status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    response.end(`${message}\n`);
}
//# sourceMappingURL=sse-handler.js.map