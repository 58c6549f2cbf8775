/** A header's value with repeated fields joined by commas (RFC 7230 §3.2.2). */
export function headerValue(headers, name) {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
}
/** One line per header after the start line, then the empty line that ends the head. */
export function formatHead(startLine, headers) {
    let head = `${startLine}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
        if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
            throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
        for (const item of Array.isArray(value) ? value : [value]) {
            const text = String(item);
            // A CR or LF in a value would let it forge further headers (response splitting).
            if (/[\r\n\0]/.test(text))
                throw new TypeError(`Invalid value for header ${name}`);
            head += `${name}: ${text}\r\n`;
        }
    }
    return `${head}\r\n`;
}
//# sourceMappingURL=http-head.js.map