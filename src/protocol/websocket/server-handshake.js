import { computeAccept, isValidKey } from './handshake-key.js';
import { formatExtensions, isToken, listHasToken, parseExtensions, parseTokenList } from './header-grammar.js';
import { formatHead, headerValue } from './http-head.js';
import { reasonPhrase, statusLine } from '../http-status.js';
/**
 * Checks a client's opening handshake strictly (§4.2.1) and says why when it
 * fails: 405 for a method other than GET, 426 with the supported version for a
 * version other than 13 (§4.4), 400 for everything else that is malformed.
 */
export function validateUpgradeRequest(request) {
    const { headers } = request;
    if (request.method !== 'GET')
        return reject(405, 'WebSocket handshake must use GET', { Allow: 'GET' });
    if (!isHttp11OrLater(request.httpVersion))
        return reject(400, 'WebSocket handshake needs HTTP/1.1 or later');
    if (!headerValue(headers, 'host'))
        return reject(400, 'Missing Host header');
    const upgrade = headerValue(headers, 'upgrade');
    if (upgrade === undefined || !listHasToken(upgrade, 'websocket')) {
        return reject(400, 'Upgrade header must be "websocket"');
    }
    const connection = headerValue(headers, 'connection');
    if (connection === undefined || !listHasToken(connection, 'upgrade')) {
        return reject(400, 'Connection header must contain "Upgrade"');
    }
    const version = headerValue(headers, 'sec-websocket-version');
    if (version?.trim() !== '13') {
        return reject(426, 'Unsupported WebSocket version; only 13 is spoken', { 'Sec-WebSocket-Version': '13' });
    }
    const key = headerValue(headers, 'sec-websocket-key')?.trim();
    if (key === undefined || !isValidKey(key)) {
        return reject(400, 'Sec-WebSocket-Key must be the base64 encoding of 16 bytes');
    }
    const protocolHeader = headerValue(headers, 'sec-websocket-protocol');
    const protocols = protocolHeader === undefined ? [] : parseTokenList(protocolHeader);
    if (protocols === undefined)
        return reject(400, 'Sec-WebSocket-Protocol must be a list of tokens');
    const extensionHeader = headerValue(headers, 'sec-websocket-extensions');
    const extensions = extensionHeader === undefined ? [] : parseExtensions(extensionHeader);
    if (extensions === undefined)
        return reject(400, 'Sec-WebSocket-Extensions is malformed');
    return { ok: true, key, protocols, extensions, origin: headerValue(headers, 'origin') };
}
/** The server's 101 response head (§4.2.2 item 5). */
export function buildAcceptResponse(options) {
    const headers = {
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Sec-WebSocket-Accept': computeAccept(options.key),
    };
    if (options.protocol !== undefined) {
        if (!isToken(options.protocol))
            throw new TypeError(`Invalid subprotocol: ${JSON.stringify(options.protocol)}`);
        headers['Sec-WebSocket-Protocol'] = options.protocol;
    }
    if (options.extensions && options.extensions.length > 0) {
        headers['Sec-WebSocket-Extensions'] = formatExtensions(options.extensions);
    }
    return formatHead(statusLine(101), { ...headers, ...options.headers });
}
/**
 * A complete rejection: status line, headers and a plain-text body saying why,
 * then the connection is closed (`Connection: close`).
 */
export function buildRejectResponse(status, reason, headers = {}) {
    const body = reason === '' ? reasonPhrase(status) : reason;
    const head = formatHead(statusLine(status), {
        Connection: 'close',
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        ...headers,
    });
    return head + body;
}
function reject(status, reason, headers = {}) {
    return { ok: false, status, reason, headers };
}
function isHttp11OrLater(version) {
    const match = /^(\d+)\.(\d+)$/.exec(version);
    if (!match)
        return false;
    const major = Number(match[1]);
    return major > 1 || (major === 1 && Number(match[2]) >= 1);
}
//# sourceMappingURL=server-handshake.js.map