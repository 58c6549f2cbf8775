/**
 * Writing and reading HTTP/1.1 message heads for the opening handshake
 * (RFC 7230 §3). Header names are lower-case on input, as `node:http` gives them.
 */
export type HeaderValue = string | string[] | undefined;
export type Headers = Readonly<Record<string, HeaderValue>>;
export type OutgoingHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/** A header's value with repeated fields joined by commas (RFC 7230 §3.2.2). */
export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** One line per header after the start line, then the empty line that ends the head. */
export function formatHead(startLine: string, headers: OutgoingHeaders): string {
  let head = `${startLine}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    for (const item of Array.isArray(value) ? value : [value]) {
      const text = String(item);
      // A CR or LF in a value would let it forge further headers (response splitting).
      if (/[\r\n\0]/.test(text)) throw new TypeError(`Invalid value for header ${name}`);
      head += `${name}: ${text}\r\n`;
    }
  }
  return `${head}\r\n`;
}
