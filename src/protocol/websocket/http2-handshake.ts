// The opening handshake of a WebSocket over one HTTP/2 stream (RFC 8441): an extended
// CONNECT with `:protocol = websocket` instead of a GET with Upgrade, a 200 instead of
// a 101, and no key or accept (the stream, not the key, shows the peer speaks the
// protocol). Subprotocols, extensions and Origin are negotiated as over HTTP/1.1.
import { type ClientHandshakeOptions, type UpgradeResponseCheck, checkAgreement, offerHeaders } from './client-handshake.js';
import { type ExtensionOffer, formatExtensions, isToken } from './header-grammar.js';
import { type Headers, type OutgoingHeaders, headerValue } from './http-head.js';
import { type HandshakeOffers, readOffers } from './server-handshake.js';
import { reasonPhrase } from '../http-status.js';

/** An HTTP/2 header block as `node:http2` gives and takes it: lower-case names, pseudo-headers included. */
export type Http2HeaderBlock = Record<string, string | number | string[]>;

export interface AcceptedConnect extends HandshakeOffers {
  ok: true;
  /** `:path`, the resource (RFC 8441 §4: as the request-target of the GET). */
  path: string;
  /** `:authority`, the host (as the Host header). */
  authority: string;
  scheme: string;
}

export interface RejectedConnect {
  ok: false;
  status: number;
  reason: string;
  /** Headers the refusal must carry, such as `sec-websocket-version`. */
  headers: Record<string, string>;
}

/**
 * Checks an extended CONNECT request (RFC 8441 §4–5). 501 for a CONNECT that is
 * not for `websocket` (a plain CONNECT tunnel, or another `:protocol`, RFC 9220 §3
 * wording); 400 for missing pseudo-headers, for the HTTP/1.1 handshake's
 * `Connection`/`Upgrade`/`Sec-WebSocket-Key` (§5 leaves them out; HTTP/2 forbids
 * connection-specific fields, RFC 9113 §8.2.2), and for a version other than 13,
 * with `sec-websocket-version: 13` as RFC 6455 §4.4 asks: not 426, whose meaning
 * (switch with Upgrade) does not exist in HTTP/2.
 */
export function validateExtendedConnect(headers: Headers): AcceptedConnect | RejectedConnect {
  const method = headerValue(headers, ':method');
  if (method !== 'CONNECT') return refuse(405, 'WebSocket over HTTP/2 must use extended CONNECT', { allow: 'CONNECT' });
  const protocol = headerValue(headers, ':protocol');
  if (protocol === undefined) return refuse(501, 'CONNECT tunnels are not served here');
  if (protocol.toLowerCase() !== 'websocket') return refuse(501, `Protocol not served: ${protocol}`);
  const scheme = headerValue(headers, ':scheme');
  const path = headerValue(headers, ':path');
  const authority = headerValue(headers, ':authority');
  if (!scheme || !path || !authority) return refuse(400, 'Extended CONNECT needs :scheme, :path and :authority');
  for (const name of ['connection', 'upgrade', 'sec-websocket-key']) {
    if (headerValue(headers, name) !== undefined) return refuse(400, `${name} is not part of an RFC 8441 handshake`);
  }
  if (headerValue(headers, 'sec-websocket-version')?.trim() !== '13') {
    return refuse(400, 'Unsupported WebSocket version; only 13 is spoken', { 'sec-websocket-version': '13' });
  }
  const offers = readOffers(headers);
  if (typeof offers === 'string') return refuse(400, offers);
  return { ok: true, path, authority, scheme, ...offers };
}

export interface ConnectAcceptOptions {
  /** The chosen subprotocol: one the client offered. */
  protocol?: string;
  /** The accepted extensions, each one the client offered. */
  extensions?: readonly ExtensionOffer[];
  /** More headers, such as set-cookie; names are sent in lower case, as HTTP/2 requires. */
  headers?: OutgoingHeaders;
}

/** The server's 200 response (RFC 8441 §5): no Upgrade, Connection or Sec-WebSocket-Accept. */
export function buildConnectResponse(options: ConnectAcceptOptions = {}): Http2HeaderBlock {
  const block: Http2HeaderBlock = { ':status': 200 };
  if (options.protocol !== undefined) {
    if (!isToken(options.protocol)) throw new TypeError(`Invalid subprotocol: ${JSON.stringify(options.protocol)}`);
    block['sec-websocket-protocol'] = options.protocol;
  }
  if (options.extensions && options.extensions.length > 0) {
    block['sec-websocket-extensions'] = formatExtensions(options.extensions);
  }
  return addHeaders(block, options.headers);
}

/** A refusal: its header block and a plain-text body saying why; the stream then ends. */
export function buildConnectRejection(status: number, reason: string, headers: OutgoingHeaders = {}): { headers: Http2HeaderBlock; body: string } {
  const body = reason === '' ? reasonPhrase(status) : reason;
  const block: Http2HeaderBlock = {
    ':status': status,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  return { headers: addHeaders(block, headers), body };
}

export interface ConnectRequestOptions extends Omit<ClientHandshakeOptions, 'key'> {
  /** `:authority`: host, and port unless the scheme's default. */
  authority: string;
  /** `:path`: path and query. */
  path: string;
  /** `https` for wss:, `http` for ws: (RFC 8441 §5). */
  scheme: 'https' | 'http';
}

/** A client's extended CONNECT request (RFC 8441 §5). Throws a SyntaxError for bad subprotocols. */
export function clientConnectHeaders(options: ConnectRequestOptions): Http2HeaderBlock {
  const block: Http2HeaderBlock = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': options.scheme,
    ':authority': options.authority,
    ':path': options.path,
    'sec-websocket-version': '13',
  };
  for (const [name, value] of Object.entries(offerHeaders(options))) block[name.toLowerCase()] = value;
  return block;
}

/** Checks the server's answer to an extended CONNECT: a 2xx (RFC 8441 §5), then what it agreed to. */
export function validateConnectResponse(
  response: { status: number; headers: Headers },
  offered: Omit<ClientHandshakeOptions, 'key'>,
): UpgradeResponseCheck {
  if (response.status < 200 || response.status > 299) return { ok: false, reason: `Unexpected server response: ${response.status}` };
  return checkAgreement(response.headers, offered);
}

function addHeaders(block: Http2HeaderBlock, headers: OutgoingHeaders | undefined): Http2HeaderBlock {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    if (values.some((text) => /[\r\n\0]/.test(text))) throw new TypeError(`Invalid value for header ${name}`);
    block[name.toLowerCase()] = values.length === 1 ? values[0] : values;
  }
  return block;
}

function refuse(status: number, reason: string, headers: Record<string, string> = {}): RejectedConnect {
  return { ok: false, status, reason, headers };
}
