import { WebSocketProtocol } from '../protocol/websocket/index.js';
/**
 * A few spare endpoints, so that a connection whose bytes start moving again
 * takes one instead of making one. The adapter lets a connection's endpoint go
 * whenever it is at rest (a quiet connection keeps none), which on a busy
 * server happens after nearly every read: without spares, each read would make
 * an endpoint and its frame parser anew.
 */
export class EndpointPool {
    onEvent;
    size;
    spare = [];
    constructor(onEvent, 
    /** How many spares to keep: enough for the connections that read in one turn, few enough not to matter. */
    size = 16) {
        this.onEvent = onEvent;
        this.size = size;
    }
    /** An endpoint for `receiver`: a spare one with the same settings, or a new one. */
    take(settings, receiver) {
        const spare = this.spare.pop();
        if (spare === undefined || spare.settings !== settings)
            return new WebSocketProtocol(settings, this.onEvent, receiver);
        spare.reuse(receiver);
        return spare;
    }
    /** Keeps an endpoint its connection let go; it must be at rest and no longer referred to by anyone. */
    give(endpoint) {
        if (this.spare.length < this.size && endpoint.atRest)
            this.spare.push(endpoint);
    }
}
//# sourceMappingURL=endpoint-pool.js.map