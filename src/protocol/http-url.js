/**
 * The URL of an HTTP-based client (EventSource, long polling): parsed, and
 * http: or https: only. A bad one is a SyntaxError, as the WHATWG
 * `EventSource` constructor throws, naming the client that refused it.
 */
export function parseHttpUrl(url, client) {
    let parsed;
    try {
        parsed = new URL(String(url));
    }
    catch {
        throw new SyntaxError(`${client}: invalid URL ${String(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new SyntaxError(`${client}: unsupported scheme ${parsed.protocol}`);
    }
    return parsed;
}
//# sourceMappingURL=http-url.js.map