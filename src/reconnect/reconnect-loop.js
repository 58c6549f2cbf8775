import { WebSocket } from '../websocket/index.js';
import { ReconnectEvent, ReconnectingCloseEvent, ReconnectingErrorEvent } from './reconnect-events.js';
export class ReconnectLoop {
    settings;
    target;
    hooks;
    /** CONNECTING while connecting or waiting to reconnect; CLOSED once stopped. */
    readyState = 0;
    socket;
    timer;
    attempts = 0;
    lastError = '';
    isStopped = false;
    constructor(settings, target, hooks) {
        this.settings = settings;
        this.target = target;
        this.hooks = hooks;
    }
    /** The current connection, open or not. */
    get current() {
        return this.socket;
    }
    /** True once closed for good: by close(), a stop code or maxAttempts. */
    get stopped() {
        return this.isStopped;
    }
    connect() {
        this.timer = undefined;
        this.readyState = 0;
        let socket;
        try {
            socket = new WebSocket(this.settings.url, this.settings.protocols, this.settings.websocket);
        }
        catch (error) {
            // A bad URL or protocol list will not get better by retrying.
            this.stop();
            this.readyState = 3;
            throw error;
        }
        this.socket = socket;
        socket.on('open', () => this.onOpen(socket));
        socket.on('message', (data, isBinary) => {
            if (socket === this.socket)
                this.hooks.message(socket, data, isBinary);
        });
        socket.on('error', (error) => this.onError(socket, error));
        socket.on('close', (code, reason, wasClean) => this.onClose(socket, code, reason, wasClean));
    }
    /** Stops for good and closes the current connection (or reports the close at once when there is none). */
    close(code, reason) {
        if (this.isStopped)
            return;
        this.stop();
        const socket = this.socket;
        if (socket !== undefined) {
            this.readyState = 2;
            socket.close(code, reason);
            return;
        }
        process.nextTick(() => this.finish(code ?? 1005, reason ?? '', true));
    }
    onOpen(socket) {
        if (socket !== this.socket)
            return;
        this.readyState = 1;
        this.attempts = 0;
        this.settings.backoff.connected(Date.now());
        this.hooks.open(socket);
    }
    onError(socket, error) {
        if (socket !== this.socket)
            return;
        this.lastError = error.message;
        this.target.dispatchEvent(new ReconnectingErrorEvent(error));
    }
    onClose(socket, code, reason, wasClean) {
        if (socket !== this.socket)
            return;
        this.socket = undefined;
        const why = reason || this.lastError;
        this.lastError = '';
        this.hooks.lost();
        if (this.isStopped)
            return this.finish(code, reason, wasClean);
        if (this.settings.shouldStop(code, reason) || this.attempts >= this.settings.maxAttempts) {
            this.stop();
            return this.finish(code, reason, wasClean);
        }
        this.readyState = 0;
        const delayMs = this.settings.backoff.next(Date.now());
        this.attempts++;
        this.target.dispatchEvent(new ReconnectingCloseEvent(code, reason, wasClean, true));
        // A listener may have called close().
        if (this.isStopped)
            return;
        this.target.dispatchEvent(new ReconnectEvent(this.attempts, delayMs, code, why));
        if (this.isStopped)
            return;
        this.timer = setTimeout(() => this.connect(), delayMs);
    }
    stop() {
        this.isStopped = true;
        clearTimeout(this.timer);
        this.timer = undefined;
        this.hooks.stopped();
    }
    finish(code, reason, wasClean) {
        this.readyState = 3;
        this.target.dispatchEvent(new ReconnectingCloseEvent(code, reason, wasClean, false));
    }
}
//# sourceMappingURL=reconnect-loop.js.map