import { HUB_STREAM_MAX_BUFFERED_AMOUNT } from '../protocol/hub/contract.js';
import { nonNegativeInteger, positiveInteger } from '../protocol/integer-option.js';
import { PUBSUB_PROTOCOL, resolvePubSubLimits } from '../protocol/pubsub/index.js';
import { CloseCode } from '../protocol/websocket/index.js';
import { WebSocketServer } from '../websocket/index.js';
import { FanoutRegistry } from './channel-fanout.js';
import { resolveRecovery } from './hub-recovery.js';
import { openWebSocketSession } from './websocket-session.js';
/**
 * Serves `switchboard.v1` on an existing WebSocketServer. Connections that negotiated
 * another subprotocol (or none) are left to the application. The server must select
 * `switchboard.v1` when offered: its default `handleProtocols` picks the first offered.
 */
export function attachPubSub(wss, options) {
    return serve(wss, resolveSessionSettings(options), false);
}
export function createPubSubServer(options) {
    return createPubSubServerWith(options, resolveSessionSettings(options));
}
/**
 * `createPubSubServer` whose sessions use `settings`, shared with other transports (the
 * mount's SSE and poll sessions join the same fan-outs). Internal.
 */
export function createPubSubServerWith(options, settings) {
    const given = options.server;
    if (given instanceof WebSocketServer)
        return serve(given, settings, false);
    const serverOptions = given ?? { noServer: true };
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const chooser = serverOptions.handleProtocols;
    const wss = new WebSocketServer({
        maxPayload: maxMessageBytes,
        onBufferLimit: 'drop',
        ...serverOptions,
        maxBufferedAmount: positiveInteger(options.maxBufferedAmount ?? serverOptions.maxBufferedAmount ?? HUB_STREAM_MAX_BUFFERED_AMOUNT, 'maxBufferedAmount'),
        handleProtocols: (protocols, request) => (protocols.includes(PUBSUB_PROTOCOL) ? PUBSUB_PROTOCOL : chooser?.(protocols, request)),
    });
    return serve(wss, settings, true);
}
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 4096;
/** The options resolved once per server, with their defaults. Internal. */
export function resolveSessionSettings(options) {
    if (options === null || typeof options !== 'object' || options.hub === undefined)
        throw new TypeError('pub/sub needs a hub');
    const recovery = resolveRecovery(options.recovery);
    return {
        hub: options.hub,
        registry: new FanoutRegistry(options.hub, recovery),
        recovery,
        limits: resolvePubSubLimits(options.limits),
        maxSubscriptions: positiveInteger(options.maxSubscriptions ?? 100, 'maxSubscriptions'),
        maxMessageBytes: positiveInteger(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes'),
        maxInvalidMessages: nonNegativeInteger(options.maxInvalidMessages ?? 10, 'maxInvalidMessages'),
        maxPendingRequests: positiveInteger(options.maxPendingRequests ?? 32, 'maxPendingRequests'),
        heartbeatInterval: options.heartbeatInterval === undefined ? undefined : timerInterval(options.heartbeatInterval, 'heartbeatInterval'),
        authorize: options.authorize,
        onError: options.onError,
    };
}
/** A positive whole number of ms that a timer can take (at most 2^31 - 1). */
export function timerInterval(value, name) {
    positiveInteger(value, name);
    if (value > 2 ** 31 - 1)
        throw new RangeError(`${name} must be at most 2^31 - 1 ms, got ${value}`);
    return value;
}
function serve(wss, settings, owned) {
    const connections = new Set();
    let closed = false;
    const handle = (connection, request) => {
        if (closed) {
            connection.close(CloseCode.GoingAway, 'Server shutting down');
            return;
        }
        openWebSocketSession(connection, request, settings);
        connections.add(connection);
        connection.once('close', () => connections.delete(connection));
    };
    const onConnection = (connection, request) => {
        if (connection.protocol === PUBSUB_PROTOCOL)
            handle(connection, request);
        else if (owned)
            connection.close(CloseCode.ProtocolError, `Use the ${PUBSUB_PROTOCOL} subprotocol`);
    };
    wss.on('connection', onConnection);
    return {
        wss,
        handle,
        get sessionCount() {
            return connections.size;
        },
        get sharedSubscriptionCount() {
            return settings.registry.size;
        },
        close: async () => {
            if (closed)
                return;
            closed = true;
            wss.off('connection', onConnection);
            if (owned) {
                await new Promise((resolve) => wss.close(() => resolve()));
                return;
            }
            const waits = [];
            for (const connection of connections) {
                waits.push(new Promise((resolve) => connection.once('close', () => resolve())));
                connection.close(CloseCode.GoingAway, 'Server shutting down');
            }
            await Promise.all(waits);
        },
    };
}
//# sourceMappingURL=pubsub-server.js.map