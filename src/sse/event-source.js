// The WHATWG `EventSource` interface (HTML §9.2.2–§9.2.4) on node:http/https, using the
// project's pure parser for §9.2.5/§9.2.6 and its backoff policy for reconnection.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseHttpUrl } from '../protocol/http-url.js';
import { EventStreamParser } from '../protocol/sse/index.js';
import { INITIAL_BACKOFF_STATE, backoffConnected, backoffNext, resolveBackoffOptions, } from '../protocol/reconnect/backoff.js';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export class EventSource extends EventTarget {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSED = 2;
    CONNECTING = 0;
    OPEN = 1;
    CLOSED = 2;
    url;
    withCredentials;
    onopen = null;
    onmessage = null;
    onerror = null;
    state = 0;
    lastId;
    origin;
    options;
    backoffOptions;
    backoffState = INITIAL_BACKOFF_STATE;
    random;
    request;
    timer;
    // Bumped per attempt so callbacks from an abandoned connection are ignored.
    generation = 0;
    constructor(url, init = {}) {
        super();
        const parsed = parseHttpUrl(url, 'EventSource');
        this.url = parsed.href;
        this.origin = parsed.origin;
        this.withCredentials = init.withCredentials ?? false;
        this.options = init;
        this.lastId = init.lastEventId ?? '';
        this.backoffOptions = resolveBackoffOptions(init.backoff);
        this.random = init.random ?? Math.random;
        // The handler attributes behave like listeners registered first.
        this.addEventListener('open', (event) => this.onopen?.call(this, event));
        this.addEventListener('message', (event) => this.onmessage?.call(this, event));
        this.addEventListener('error', (event) => this.onerror?.call(this, event));
        this.connect(parsed, 0);
    }
    get readyState() {
        return this.state;
    }
    /** The last event ID string (§9.2.6), sent as `Last-Event-ID` on reconnection. */
    get lastEventId() {
        return this.lastId;
    }
    /** Aborts the connection and any pending reconnection; no further events fire. */
    close() {
        this.state = 2;
        this.generation++;
        clearTimeout(this.timer);
        this.timer = undefined;
        this.request?.destroy();
        this.request = undefined;
    }
    connect(url, redirects) {
        const generation = ++this.generation;
        const headers = {
            ...this.options.headers,
            accept: 'text/event-stream',
            'cache-control': 'no-cache',
        };
        if (this.lastId !== '')
            headers['last-event-id'] = this.lastId;
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const request = send(url, { method: 'GET', headers, ...this.options.requestOptions });
        this.request = request;
        request.on('response', (response) => {
            if (generation !== this.generation) {
                response.destroy();
                return;
            }
            this.onResponse(url, redirects, generation, response);
        });
        request.on('error', () => {
            if (generation === this.generation)
                this.reestablish();
        });
        request.end();
    }
    onResponse(url, redirects, generation, response) {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (REDIRECTS.has(status) && location !== undefined) {
            response.resume();
            if (redirects >= (this.options.maxRedirects ?? 10)) {
                this.fail();
                return;
            }
            this.connect(new URL(location, url), redirects + 1);
            return;
        }
        const type = (response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        // §9.2.3: anything but 200 with text/event-stream (204 included) fails for good.
        if (status !== 200 || type !== 'text/event-stream') {
            response.resume();
            this.fail();
            return;
        }
        this.state = 1;
        this.backoffState = backoffConnected(this.backoffState, Date.now());
        this.dispatchEvent(new Event('open'));
        const parser = new EventStreamParser({ maxEventSize: this.options.maxEventSize, initialLastEventId: this.lastId });
        const onEnd = () => {
            if (generation === this.generation)
                this.reestablish();
        };
        response.on('data', (chunk) => {
            if (generation !== this.generation)
                return;
            let items;
            try {
                items = parser.push(chunk);
            }
            catch {
                this.reestablish();
                return;
            }
            for (const item of items) {
                if (generation !== this.generation)
                    return;
                this.interpret(item);
            }
            // A dispatch without data still commits its id (§9.2.6 "dispatch the event", step 1).
            this.lastId = parser.lastEventId;
        });
        response.on('end', onEnd);
        response.on('error', onEnd);
        response.on('aborted', onEnd);
    }
    interpret(item) {
        switch (item.type) {
            case 'retry':
                if (this.options.honorServerRetry ?? true) {
                    const initialDelayMs = Math.min(item.retry, 2 ** 31 - 1);
                    this.backoffOptions = {
                        ...this.backoffOptions,
                        initialDelayMs,
                        maxDelayMs: Math.max(this.backoffOptions.maxDelayMs, initialDelayMs),
                    };
                }
                return;
            case 'event':
                this.lastId = item.lastEventId;
                this.dispatchEvent(new MessageEvent(item.event, { data: item.data, origin: this.origin, lastEventId: item.lastEventId }));
                return;
            case 'comment':
                return;
        }
    }
    /** §9.2.3 "reestablish the connection". */
    reestablish() {
        if (this.state === 2)
            return;
        const generation = ++this.generation;
        this.request?.destroy();
        this.request = undefined;
        this.state = 0;
        this.dispatchEvent(new Event('error'));
        if (generation !== this.generation || this.state !== 0)
            return; // closed by an error handler
        const { delayMs, state } = backoffNext(this.backoffState, Date.now(), this.backoffOptions, this.random);
        this.backoffState = state;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            if (this.state === 0 && generation === this.generation)
                this.connect(new URL(this.url), 0);
        }, delayMs);
    }
    /** §9.2.3 "fail the connection". */
    fail() {
        if (this.state === 2)
            return;
        this.generation++;
        this.request?.destroy();
        this.request = undefined;
        this.state = 2;
        this.dispatchEvent(new Event('error'));
    }
}
//# sourceMappingURL=event-source.js.map