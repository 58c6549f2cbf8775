import { computeAccept } from './handshake-key.js';
import { type ExtensionOffer, formatExtensions, isToken, listHasToken, parseExtensions } from './header-grammar.js';
import { type Headers, headerValue } from './http-head.js';

export interface ClientHandshakeOptions {
  /** From `generateKey()`: fresh for every handshake (§4.1). */
  key: string;
  /** Subprotocols to offer, most preferred first. */
  protocols?: readonly string[];
  extensions?: readonly ExtensionOffer[];
  origin?: string;
}

/**
 * The handshake headers of a client's upgrade request (§4.1); `Host` and the
 * request line are the HTTP client's job. Throws a SyntaxError for subprotocols
 * that are not tokens or are repeated, as the WHATWG `WebSocket` constructor does.
 */
export function clientHandshakeHeaders(options: ClientHandshakeOptions): Record<string, string> {
  return {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Key': options.key,
    'Sec-WebSocket-Version': '13',
    ...offerHeaders(options),
  };
}

/**
 * The headers that offer subprotocols and extensions and name the origin, the
 * same in both handshakes (RFC 6455 §4.1, RFC 8441 §5). Throws as `clientHandshakeHeaders`.
 */
export function offerHeaders(options: Omit<ClientHandshakeOptions, 'key'>): Record<string, string> {
  const headers: Record<string, string> = {};
  const protocols = options.protocols ?? [];
  if (protocols.length > 0) {
    const seen = new Set<string>();
    for (const protocol of protocols) {
      if (!isToken(protocol)) throw new SyntaxError(`Invalid subprotocol: ${JSON.stringify(protocol)}`);
      if (seen.has(protocol)) throw new SyntaxError(`Subprotocol offered twice: ${protocol}`);
      seen.add(protocol);
    }
    headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  }
  if (options.extensions && options.extensions.length > 0) {
    headers['Sec-WebSocket-Extensions'] = formatExtensions(options.extensions);
  }
  if (options.origin !== undefined) headers.Origin = options.origin;
  return headers;
}

export interface UpgradeResponse {
  statusCode: number;
  headers: Headers;
}

export type UpgradeResponseCheck =
  | { ok: true; protocol: string; extensions: ExtensionOffer[] }
  | { ok: false; reason: string };

/** Checks the server's answer to our handshake, §4.1 "the client MUST validate". */
export function validateUpgradeResponse(
  response: UpgradeResponse,
  offered: ClientHandshakeOptions,
): UpgradeResponseCheck {
  const { headers } = response;
  if (response.statusCode !== 101) return fail(`Unexpected server response: ${response.statusCode}`);
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
  return checkAgreement(headers, offered);
}

/** The subprotocol and extensions a server accepted, each one we offered (§4.1), the same in both handshakes. */
export function checkAgreement(headers: Headers, offered: Omit<ClientHandshakeOptions, 'key'>): UpgradeResponseCheck {
  const protocol = headerValue(headers, 'sec-websocket-protocol')?.trim();
  if (protocol !== undefined && !(offered.protocols ?? []).includes(protocol)) {
    return fail(`Server chose a subprotocol that was not offered: ${JSON.stringify(protocol)}`);
  }
  const extensionHeader = headerValue(headers, 'sec-websocket-extensions');
  let extensions: ExtensionOffer[] = [];
  if (extensionHeader !== undefined) {
    const parsed = parseExtensions(extensionHeader);
    if (parsed === undefined) return fail('Server sent a malformed Sec-WebSocket-Extensions header');
    const names = new Set((offered.extensions ?? []).map((extension) => extension.name));
    const seen = new Set<string>();
    for (const { name } of parsed) {
      if (!names.has(name)) return fail(`Server accepted an extension that was not offered: ${name}`);
      if (seen.has(name)) return fail(`Server accepted an extension twice: ${name}`);
      seen.add(name);
    }
    extensions = parsed;
  }
  return { ok: true, protocol: protocol ?? '', extensions };
}

function fail(reason: string): UpgradeResponseCheck {
  return { ok: false, reason };
}
