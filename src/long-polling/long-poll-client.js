// Long-polling client with the EventSource event API (open / message / named events /
// error, readyState, lastEventId, close()), plus send() for client → server messages.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseHttpUrl } from '../protocol/http-url.js';
import { INITIAL_BACKOFF_STATE, backoffConnected, backoffNext, resolveBackoffOptions, } from '../protocol/reconnect/backoff.js';
import { isLongPollResponse } from './wire.js';
/** A poll answered with an HTTP status that retrying cannot fix (4xx): the client stops. */
export class LongPollHttpError extends Error {
    status;
    name = 'LongPollHttpError';
    constructor(status) {
        super(`long poll answered HTTP ${status}`);
        this.status = status;
    }
}
export class LongPollClient extends EventTarget {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSED = 2;
    CONNECTING = 0;
    OPEN = 1;
    CLOSED = 2;
    url;
    clientId;
    onopen = null;
    onmessage = null;
    onerror = null;
    state = 0;
    cursor;
    origin;
    options;
    backoffOptions;
    backoffState = INITIAL_BACKOFF_STATE;
    random;
    inFlight;
    timer;
    generation = 0;
    constructor(url, init = {}) {
        super();
        const parsed = parseHttpUrl(url, 'LongPollClient');
        this.url = parsed.href;
        this.origin = parsed.origin;
        this.options = init;
        this.cursor = init.lastEventId ?? '';
        this.clientId = init.clientId ?? randomUUID();
        this.backoffOptions = resolveBackoffOptions(init.backoff);
        this.random = init.random ?? Math.random;
        this.addEventListener('open', (event) => this.onopen?.call(this, event));
        this.addEventListener('message', (event) => this.onmessage?.call(this, event));
        this.addEventListener('error', (event) => this.onerror?.call(this, event));
        this.poll();
    }
    get readyState() {
        return this.state;
    }
    /** The cursor: id of the last message received (or the server's head after an empty poll). */
    get lastEventId() {
        return this.cursor;
    }
    /** Stops polling and aborts the held request; no further events fire. */
    close() {
        this.state = 2;
        this.generation++;
        clearTimeout(this.timer);
        this.timer = undefined;
        this.inFlight?.destroy();
        this.inFlight = undefined;
    }
    /** Sends a message to the server (`POST`); resolves with the id the server gave it, if any. */
    async send(data, options = {}) {
        const body = JSON.stringify(options.event === undefined ? { data } : { data, event: options.event });
        const { status, text } = await this.http(new URL(this.url), 'POST', body, this.options.maxResponseBytes ?? 16 * 1024 * 1024);
        if (status !== 200)
            throw new LongPollHttpError(status);
        const parsed = JSON.parse(text);
        return typeof parsed.id === 'string' ? parsed.id : undefined;
    }
    poll() {
        const generation = ++this.generation;
        const url = new URL(this.url);
        if (this.cursor !== '')
            url.searchParams.set('cursor', this.cursor);
        url.searchParams.set('client', this.clientId);
        this.http(url, 'GET', undefined, this.options.maxResponseBytes ?? 16 * 1024 * 1024, (request) => {
            this.inFlight = request;
        }).then(({ status, text }) => {
            if (generation !== this.generation)
                return;
            this.inFlight = undefined;
            if (status === 200) {
                let body;
                try {
                    body = JSON.parse(text);
                }
                catch {
                    body = undefined;
                }
                if (isLongPollResponse(body))
                    this.deliver(body, generation);
                else
                    this.reestablish();
            }
            else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
                this.fail();
            }
            else {
                this.reestablish();
            }
        }, () => {
            if (generation === this.generation) {
                this.inFlight = undefined;
                this.reestablish();
            }
        });
    }
    deliver(body, generation) {
        if (this.state !== 1) {
            this.state = 1;
            this.backoffState = backoffConnected(this.backoffState, Date.now());
            this.dispatchEvent(new Event('open'));
            if (generation !== this.generation)
                return;
        }
        if (body.gap !== undefined) {
            this.dispatchEvent(new MessageEvent('gap', { data: JSON.stringify(body.gap), origin: this.origin, lastEventId: this.cursor }));
            if (generation !== this.generation)
                return;
        }
        for (const message of body.messages) {
            this.cursor = message.id;
            this.dispatchEvent(new MessageEvent(message.event ?? 'message', { data: message.data, origin: this.origin, lastEventId: message.id }));
            if (generation !== this.generation)
                return;
        }
        this.cursor = body.cursor;
        this.poll();
    }
    reestablish() {
        if (this.state === 2)
            return;
        const generation = ++this.generation;
        this.state = 0;
        this.dispatchEvent(new Event('error'));
        if (generation !== this.generation)
            return;
        const { delayMs, state } = backoffNext(this.backoffState, Date.now(), this.backoffOptions, this.random);
        this.backoffState = state;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            if (generation === this.generation)
                this.poll();
        }, delayMs);
    }
    fail() {
        if (this.state === 2)
            return;
        this.generation++;
        this.state = 2;
        this.dispatchEvent(new Event('error'));
    }
    http(url, method, body, maxBytes, onRequest) {
        return new Promise((resolve, reject) => {
            const headers = { ...this.options.headers, accept: 'application/json' };
            if (body !== undefined) {
                headers['content-type'] = 'application/json';
                headers['content-length'] = String(Buffer.byteLength(body));
            }
            const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
            const request = send(url, { method, headers, timeout: this.options.pollTimeoutMs ?? 45_000, ...this.options.requestOptions });
            onRequest?.(request);
            request.on('timeout', () => request.destroy(new Error('long poll timed out')));
            request.on('error', reject);
            request.on('response', (response) => {
                const chunks = [];
                let size = 0;
                response.on('data', (chunk) => {
                    if (size > maxBytes)
                        return;
                    size += chunk.length;
                    if (size > maxBytes) {
                        chunks.length = 0;
                        // Reject first, then destroy without an error: nothing is left to report it to.
                        reject(new Error(`long poll answer exceeds ${maxBytes} bytes`));
                        request.destroy();
                        return;
                    }
                    chunks.push(chunk);
                });
                response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
                response.on('error', reject);
                response.on('aborted', () => reject(new Error('long poll answer aborted')));
            });
            request.end(body);
        });
    }
}
//# sourceMappingURL=long-poll-client.js.map