import { computeAccept, isValidKey } from './handshake-key.js';
import { type ExtensionOffer, formatExtensions, isToken, listHasToken, parseExtensions, parseTokenList } from './header-grammar.js';
import { type Headers, type OutgoingHeaders, formatHead, headerValue } from './http-head.js';
import { reasonPhrase, statusLine } from '../http-status.js';

/** The parts of a client's opening handshake the server checks (RFC 6455 §4.2.1). */
export interface UpgradeRequest {
  method: string;
  /** "1.1" for HTTP/1.1, as `IncomingMessage.httpVersion`. */
  httpVersion: string;
  /** Lower-case names, as `IncomingMessage.headers`. */
  headers: Headers;
}

export interface AcceptedUpgrade extends HandshakeOffers {
  ok: true;
  key: string;
}

export interface RejectedUpgrade {
  ok: false;
  status: number;
  /** Why, in words; sent as the response body. */
  reason: string;
  /** Headers the rejection must carry, such as `Sec-WebSocket-Version` with a 426. */
  headers: Record<string, string>;
}

/**
 * Checks a client's opening handshake strictly (§4.2.1) and says why when it
 * fails: 405 for a method other than GET, 426 with the supported version for a
 * version other than 13 (§4.4), 400 for everything else that is malformed.
 */
export function validateUpgradeRequest(request: UpgradeRequest): AcceptedUpgrade | RejectedUpgrade {
  const { headers } = request;
  if (request.method !== 'GET') return reject(405, 'WebSocket handshake must use GET', { Allow: 'GET' });
  if (!isHttp11OrLater(request.httpVersion)) return reject(400, 'WebSocket handshake needs HTTP/1.1 or later');
  if (!headerValue(headers, 'host')) return reject(400, 'Missing Host header');
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
  const offers = readOffers(headers);
  if (typeof offers === 'string') return reject(400, offers);
  return { ok: true, key, ...offers };
}

/** What a client offers and says about itself, the same in both handshakes (RFC 6455 §4.2.1, RFC 8441 §5). */
export interface HandshakeOffers {
  /** Subprotocols the client offered, in its order of preference (§4.2.1 item 8). */
  protocols: string[];
  /** Extensions the client offered (§9.1). */
  extensions: ExtensionOffer[];
  origin: string | undefined;
}

/** The offers of a handshake request, or why they are malformed. */
export function readOffers(headers: Headers): HandshakeOffers | string {
  const protocolHeader = headerValue(headers, 'sec-websocket-protocol');
  const protocols = protocolHeader === undefined ? [] : parseTokenList(protocolHeader);
  if (protocols === undefined) return 'Sec-WebSocket-Protocol must be a list of tokens';
  const extensionHeader = headerValue(headers, 'sec-websocket-extensions');
  const extensions = extensionHeader === undefined ? [] : parseExtensions(extensionHeader);
  if (extensions === undefined) return 'Sec-WebSocket-Extensions is malformed';
  return { protocols, extensions, origin: headerValue(headers, 'origin') };
}

export interface AcceptOptions {
  key: string;
  /** The chosen subprotocol: one the client offered (§4.2.2 item 5.4). */
  protocol?: string;
  /** The accepted extensions, each one the client offered. */
  extensions?: readonly ExtensionOffer[];
  /** More headers for the response, such as Set-Cookie. */
  headers?: OutgoingHeaders;
}

/** The server's 101 response head (§4.2.2 item 5). */
export function buildAcceptResponse(options: AcceptOptions): string {
  const headers: Record<string, string | number | readonly string[]> = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': computeAccept(options.key),
  };
  if (options.protocol !== undefined) {
    if (!isToken(options.protocol)) throw new TypeError(`Invalid subprotocol: ${JSON.stringify(options.protocol)}`);
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
export function buildRejectResponse(status: number, reason: string, headers: OutgoingHeaders = {}): string {
  const body = reason === '' ? reasonPhrase(status) : reason;
  const head = formatHead(statusLine(status), {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  return head + body;
}

function reject(status: number, reason: string, headers: Record<string, string> = {}): RejectedUpgrade {
  return { ok: false, status, reason, headers };
}

function isHttp11OrLater(version: string): boolean {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  if (!match) return false;
  const major = Number(match[1]);
  return major > 1 || (major === 1 && Number(match[2]) >= 1);
}
