/**
 * The bits of HTTP header syntax the handshake needs, RFC 7230 §3.2.6 and §7:
 * comma-separated lists of tokens, and extension offers with parameters whose
 * values are tokens or quoted strings. Each parser returns undefined for input
 * that does not follow the grammar, so the caller can answer 400.
 */
/** tchar, RFC 7230 §3.2.6. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export function isToken(value) {
    return TOKEN.test(value);
}
/**
 * A `#token` list: tokens separated by commas with optional whitespace. Empty
 * elements are skipped, as §7 asks of recipients. Undefined for anything else.
 */
export function parseTokenList(value) {
    const tokens = [];
    for (const element of value.split(',')) {
        const token = element.trim();
        if (token === '')
            continue;
        if (!isToken(token))
            return undefined;
        tokens.push(token);
    }
    return tokens;
}
/** Whether a list header (such as `Connection: keep-alive, Upgrade`) contains `token`, ignoring case. */
export function listHasToken(value, token) {
    const wanted = token.toLowerCase();
    return value.split(',').some((element) => element.trim().toLowerCase() === wanted);
}
/**
 * `Sec-WebSocket-Extensions`, RFC 6455 §9.1:
 *
 *   extension-list = 1#extension
 *   extension      = extension-token *( ";" extension-param )
 *   extension-param = token [ "=" (token | quoted-string) ]
 *
 * A quoted value must be a token once unquoted (§9.1).
 */
export function parseExtensions(value) {
    const scanner = new Scanner(value);
    const offers = [];
    for (;;) {
        scanner.skipSpace();
        if (scanner.done())
            break;
        if (scanner.take(','))
            continue;
        const name = scanner.token();
        if (name === undefined)
            return undefined;
        const offer = { name, params: [] };
        scanner.skipSpace();
        while (scanner.take(';')) {
            scanner.skipSpace();
            const param = scanner.token();
            if (param === undefined)
                return undefined;
            scanner.skipSpace();
            let paramValue = true;
            if (scanner.take('=')) {
                scanner.skipSpace();
                const raw = scanner.peek() === '"' ? scanner.quotedString() : scanner.token();
                if (raw === undefined || !isToken(raw))
                    return undefined;
                paramValue = raw;
                scanner.skipSpace();
            }
            offer.params.push([param, paramValue]);
        }
        offers.push(offer);
        if (!scanner.done() && !scanner.take(','))
            return undefined;
    }
    return offers.length > 0 ? offers : undefined;
}
export function formatExtensions(offers) {
    return offers
        .map(({ name, params }) => [name, ...params.map(([key, value]) => (value === true ? key : `${key}=${value}`))].join('; '))
        .join(', ');
}
class Scanner {
    text;
    at = 0;
    constructor(text) {
        this.text = text;
    }
    done() {
        return this.at >= this.text.length;
    }
    peek() {
        return this.text[this.at];
    }
    take(char) {
        if (this.text[this.at] !== char)
            return false;
        this.at++;
        return true;
    }
    skipSpace() {
        while (this.text[this.at] === ' ' || this.text[this.at] === '\t')
            this.at++;
    }
    token() {
        const start = this.at;
        while (this.at < this.text.length && isToken(this.text[this.at]))
            this.at++;
        return this.at > start ? this.text.slice(start, this.at) : undefined;
    }
    /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 7230 §3.2.6). */
    quotedString() {
        let out = '';
        this.at++; // opening quote
        while (this.at < this.text.length) {
            const char = this.text[this.at++];
            if (char === '"')
                return out;
            if (char === '\\') {
                if (this.at >= this.text.length)
                    return undefined;
                out += this.text[this.at++];
            }
            else {
                out += char;
            }
        }
        return undefined;
    }
}
//# sourceMappingURL=header-grammar.js.map