import { MemoryHub } from '../hub/index.js';
import { asError } from '../protocol/errors.js';
import { createPubSubServerWith, resolveSessionSettings } from '../pubsub/pubsub-server.js';
import { ClientScript } from './client-script.js';
import { sendJson } from './http-reply.js';
import { resolveMountOptions } from './options.js';
import { PollSession, UNKNOWN_SESSION } from './poll-session.js';
import { handleSessionPost } from './session-post.js';
import { SessionRegistry } from './session-registry.js';
import { openSseSession } from './sse-session.js';
export function createSwitchboard(options = {}) {
    return createSwitchboardWith(options, {});
}
export function createSwitchboardWith(options, internals) {
    const mount = resolveMountOptions(options);
    const ownHub = options.hub === undefined;
    const hub = options.hub ?? new MemoryHub();
    const settings = resolveSessionSettings({ ...options, hub, heartbeatInterval: mount.heartbeatInterval });
    const registry = new SessionRegistry();
    const context = { settings, registry, heartbeatInterval: mount.heartbeatInterval, maxQueuedBytes: mount.maxQueuedBytes, sessionTimeout: mount.sessionTimeout };
    const bodyLimits = { maxBytes: mount.maxBodyBytes, timeoutMs: mount.bodyTimeout };
    const clientScript = new ClientScript(internals.clientScriptPath);
    let closed = false;
    // WebSocket sessions share the settings, and so the channels' fan-outs.
    const pubsub = createPubSubServerWith({
        ...options,
        hub,
        maxBufferedAmount: mount.maxQueuedBytes,
        server: {
            noServer: true,
            verify: () => (closed ? { status: 503, reason: 'Server is shutting down' } : full() ? { status: 503, reason: 'Too many sessions' } : true),
        },
    }, settings);
    const sessionCount = () => registry.size + pubsub.sessionCount;
    const full = () => sessionCount() >= mount.maxSessions;
    const refuseNew = (response) => {
        if (!closed && !full())
            return false;
        sendJson(response, 503, { error: closed ? 'server is shutting down' : 'too many sessions' }, { 'retry-after': '1' });
        return true;
    };
    const failed = (error, request, response) => {
        settings.onError?.(asError(error), request);
        if (!response.headersSent)
            sendJson(response, 500, { error: 'internal error' });
        else
            response.end();
    };
    const route = (request, response, path, url) => {
        const method = request.method ?? 'GET';
        const allow = (methods) => {
            if (methods.split(', ').includes(method))
                return true;
            sendJson(response, 405, { error: `use ${methods}` }, { allow: methods });
            return false;
        };
        if (path === '/sse') {
            if (allow('GET') && !refuseNew(response))
                openSseSession(request, response, context);
        }
        else if (path === '/poll') {
            if (!allow('GET'))
                return;
            const id = url.searchParams.get('session');
            if (id === null) {
                if (!refuseNew(response))
                    new PollSession(request, context).open(response);
                return;
            }
            const session = registry.get(id);
            if (session instanceof PollSession)
                session.poll(response);
            else
                sendJson(response, 404, UNKNOWN_SESSION);
        }
        else if (path.startsWith('/session/') && path.indexOf('/', 9) === -1 && path.length > 9) {
            // Ids are base64url: no percent-decoding, and any other text is simply unknown.
            if (allow('POST')) {
                handleSessionPost(request, response, path.slice(9), registry, bodyLimits).catch((error) => failed(error, request, response));
            }
        }
        else if (path === '/client.js') {
            if (allow('GET, HEAD'))
                clientScript.serve(request, response).catch((error) => failed(error, request, response));
        }
        else if (path === '/ws') {
            // Reached only without an upgrade (or an HTTP/2 request, which has none).
            sendJson(response, 426, { error: 'connect with Upgrade: websocket and Sec-WebSocket-Protocol: switchboard.v1' }, { upgrade: 'websocket' });
        }
        else {
            sendJson(response, 404, { error: 'not found' });
        }
    };
    return {
        prefix: mount.prefix,
        hub,
        get sessionCount() {
            return sessionCount();
        },
        handleRequest: (request, response) => {
            const target = underPrefix(request.url, mount.prefix);
            if (target === undefined)
                return false;
            route(request, response, target.path, target.url);
            return true;
        },
        handleUpgrade: (request, socket, head) => {
            const target = underPrefix(request.url, mount.prefix);
            if (target?.path !== '/ws')
                return false;
            pubsub.wss.handleUpgrade(request, socket, head, (connection) => pubsub.wss.emit('connection', connection, request));
            return true;
        },
        close: async () => {
            if (closed)
                return;
            closed = true;
            registry.closeAll();
            await pubsub.close();
            if (ownHub)
                await hub.close();
        },
    };
}
/** The path after the prefix (`''` for the prefix itself) and the parsed URL; undefined when not under it. */
function underPrefix(rawUrl, prefix) {
    const raw = rawUrl ?? '/';
    const query = raw.indexOf('?');
    const pathname = query === -1 ? raw : raw.slice(0, query);
    if (pathname !== prefix && !pathname.startsWith(`${prefix}/`))
        return undefined;
    let url;
    try {
        url = new URL(raw, 'http://localhost');
    }
    catch {
        url = new URL('http://localhost');
    }
    return { path: pathname.slice(prefix.length), url };
}
//# sourceMappingURL=switchboard.js.map