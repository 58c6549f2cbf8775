/**
 * The WHATWG event objects a `WebSocket` dispatches (HTML §9.3), as plain
 * classes: Node 20 has no global CloseEvent, and these stay cheap to create.
 */
export class WebSocketEvent {
    type;
    target;
    constructor(type, target) {
        this.type = type;
        this.target = target;
    }
}
export class WebSocketMessageEvent extends WebSocketEvent {
    data;
    constructor(target, data) {
        super('message', target);
        this.data = data;
    }
}
export class WebSocketCloseEvent extends WebSocketEvent {
    code;
    reason;
    wasClean;
    constructor(target, code, reason, wasClean) {
        super('close', target);
        this.code = code;
        this.reason = reason;
        this.wasClean = wasClean;
    }
}
export class WebSocketErrorEvent extends WebSocketEvent {
    error;
    message;
    constructor(target, error) {
        super('error', target);
        this.error = error;
        this.message = error.message;
    }
}
//# sourceMappingURL=events.js.map