import { computeAccept } from './handshake-key.js';
import { formatExtensions, isToken, listHasToken, parseExtensions } from './header-grammar.js';
import { headerValue } from './http-head.js';
/**
 * The handshake headers of a client's upgrade request (§4.1); `Host` and the
 * request line are the HTTP client's job. Throws a SyntaxError for subprotocols
 * that are not tokens or are repeated, as the WHATWG `WebSocket` constructor does.
 */
export function clientHandshakeHeaders(options) {
    const headers = {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': options.key,
        'Sec-WebSocket-Version': '13',
    };
    const protocols = options.protocols ?? [];
    if (protocols.length > 0) {
        const seen = new Set();
        for (const protocol of protocols) {
            if (!isToken(protocol))
                throw new SyntaxError(`Invalid subprotocol: ${JSON.stringify(protocol)}`);
            if (seen.has(protocol))
                throw new SyntaxError(`Subprotocol offered twice: ${protocol}`);
            seen.add(protocol);
        }
        headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
    }
    if (options.extensions && options.extensions.length > 0) {
        headers['Sec-WebSocket-Extensions'] = formatExtensions(options.extensions);
    }
    if (options.origin !== undefined)
        headers.Origin = options.origin;
    return headers;
}
/** Checks the server's answer to our handshake, §4.1 "the client MUST validate". */
export function validateUpgradeResponse(response, offered) {
    const { headers } = response;
    if (response.statusCode !== 101)
        return fail(`Unexpected server response: ${response.statusCode}`);
    const upgrade = headerValue(headers, 'upgrade');
    if (upgrade === undefined || upgrade.trim().toLowerCase() !== 'websocket') {
        return fail('Server response has no "Upgrade: websocket" header');
    }
    const connection = headerValue(headers, 'connection');
    if (connection === undefined || !listHasToken(connection, 'upgrade')) {
        return fail('Server response has no "Connection: Upgrade" header');
    }
    if (headerValue(headers, 'sec-websocket-accept')?.trim() !== computeAccept(offered.key)) {
        return fail('Sec-WebSocket-Accept does not match the key sent');
    }
    const protocol = headerValue(headers, 'sec-websocket-protocol')?.trim();
    if (protocol !== undefined && !(offered.protocols ?? []).includes(protocol)) {
        return fail(`Server chose a subprotocol that was not offered: ${JSON.stringify(protocol)}`);
    }
    const extensionHeader = headerValue(headers, 'sec-websocket-extensions');
    let extensions = [];
    if (extensionHeader !== undefined) {
        const parsed = parseExtensions(extensionHeader);
        if (parsed === undefined)
            return fail('Server sent a malformed Sec-WebSocket-Extensions header');
        const names = new Set((offered.extensions ?? []).map((extension) => extension.name));
        const seen = new Set();
        for (const { name } of parsed) {
            if (!names.has(name))
                return fail(`Server accepted an extension that was not offered: ${name}`);
            if (seen.has(name))
                return fail(`Server accepted an extension twice: ${name}`);
            seen.add(name);
        }
        extensions = parsed;
    }
    return { ok: true, protocol: protocol ?? '', extensions };
}
function fail(reason) {
    return { ok: false, reason };
}
//# sourceMappingURL=client-handshake.js.map