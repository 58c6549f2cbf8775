import { sendJson } from './http-reply.js';
import { createSwitchboard } from './switchboard.js';
/**
 * Serves Switchboard on `server` under `options.prefix`. Mount after the application's
 * request listener is attached (`http.createServer(app)` then mount): listeners added
 * later see every request, Switchboard's too. Call `close()` on the result before
 * `server.close()`: open streams would otherwise hold the server open.
 */
export function mountSwitchboard(server, options = {}) {
    const switchboard = createSwitchboard(options);
    const emitter = server;
    wrap(emitter, 'request', (args) => switchboard.handleRequest(args[0], args[1]), 
    // No application: what is not ours is not found.
    (args) => notFound(args[1]));
    wrap(emitter, 'upgrade', (args) => switchboard.handleUpgrade(args[0], args[1], args[2]), 
    // What node:http does with an upgrade nobody listens for.
    (args) => void args[1].destroy());
    return switchboard;
}
/**
 * Replaces the listeners of `event` by one that offers it to `handled` first, then to
 * them, or to `unheard` when there were none.
 */
function wrap(emitter, event, handled, unheard) {
    const listeners = emitter.listeners(event);
    emitter.removeAllListeners(event);
    emitter.on(event, (...args) => {
        if (handled(args))
            return;
        if (listeners.length === 0)
            unheard(args);
        for (const listener of listeners)
            listener.apply(emitter, args);
    });
}
function notFound(response) {
    sendJson(response, 404, { error: 'not found' });
}
//# sourceMappingURL=mount-server.js.map