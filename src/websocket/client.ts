import { type IncomingMessage, request as httpRequest } from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import {
  type DeflateParameters,
  MAX_CLOSE_REASON_BYTES,
  PERMESSAGE_DEFLATE,
  acceptDeflateResponse,
  clientHandshakeHeaders,
  deflateOfferExtension,
  deflateOfferParameters,
  type DeflateOfferParameters,
  type ExtensionOffer,
  createMaskKeySource,
  formatExtensions,
  generateKey,
  validateUpgradeResponse,
} from '../protocol/websocket/index.js';
import { type ConnectionOptions, resolveSettings } from './connection-settings.js';
import { WebSocketConnection } from './connection.js';
import { CLOSED, CLOSING, CONNECTING } from './ready-state.js';
import { attach } from './adapter-operations.js';
import { type HeartbeatOptions, createWatch } from './heartbeat.js';
import { traceClientRequest } from './wire-trace.js';
import { resolveCompression, withDeflate } from './deflate-options.js';
import type { Carrier, CarrierKind } from './carrier.js';
import { openOverHttp2, sessionOrigin } from './http2-client.js';
import { hasSharedSession } from './http2-sessions.js';

export interface WebSocketClientOptions extends ConnectionOptions {
  /** Extra request headers (cookies, authorization…). */
  headers?: Record<string, string>;
  /** The Origin header to send; browsers always send one, Node clients need not. */
  origin?: string;
  /** Longest time for the opening handshake (ms). Default 10 s. */
  handshakeTimeout?: number;
  /** Local address to connect from, e.g. one of several on a multi-homed host. */
  localAddress?: string;
  /** TLS options for wss:// (ca, cert, key, rejectUnauthorized, servername…). */
  tls?: TlsConnectionOptions;
  /** Ping the server when it is silent and give up on it when it does not answer. Off by default. */
  heartbeat?: HeartbeatOptions | false;
  /** Record a wire trace of this connection, handshake included; a string labels it (wire-trace.ts). */
  trace?: boolean | string;
  /**
   * Open the WebSocket on a stream of an HTTP/2 connection (RFC 8441): `true`
   * shares one session per origin among the WebSockets that ask (h2 over TLS
   * for wss:, h2c for ws:); or give a `ClientHttp2Session` of your own. Falls
   * back to HTTP/1.1 when the server does not advertise extended CONNECT.
   * Left out, a wss: WebSocket uses HTTP/2 when a shared session to its origin
   * is already open and allows it; `false` never does.
   */
  http2?: boolean | ClientHttp2Session;
}

/** One key pool for every client in the process (§10.3: keys from a strong source). */
const maskKeys = createMaskKeySource();
/** Most bytes of a refusal's body quoted in the error message. */
const BODY_QUOTE_LIMIT = 512;

/**
 * A WebSocket client with the WHATWG API (`new WebSocket(url, protocols)`,
 * `onopen`/`onmessage`/`onclose`/`onerror`, `binaryType`, `bufferedAmount`…),
 * plus Node options. A failed handshake surfaces as 'error' then 'close' with
 * code 1006 and a message that says what went wrong (status code and why).
 */
export class WebSocket extends WebSocketConnection {
  readonly url: string;
  private abortHandshake: (() => void) | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private overHttp2 = false;

  constructor(address: string | URL, protocols?: string | string[], options: WebSocketClientOptions = {}) {
    super();
    const url = parseWebSocketUrl(address);
    this.url = url.href;
    const offered = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
    const key = generateKey();
    const settings = resolveSettings('client', options, maskKeys);
    // RFC 7692 §5: offered as browsers do (`client_max_window_bits`), plus what the options ask.
    const deflateOffer = settings.compression && deflateOfferParameters(settings.compression.negotiation);
    const extensions = deflateOffer ? [deflateOfferExtension(deflateOffer)] : [];
    let handshakeHeaders: Record<string, string>;
    try {
      handshakeHeaders = clientHandshakeHeaders({ key, protocols: offered, origin: options.origin, extensions });
    } catch (error) {
      throw new DOMException((error as Error).message, 'SyntaxError');
    }
    this.handshakeTimer = setTimeout(() => this.failHandshake('Opening handshake timed out'), options.handshakeTimeout ?? 10_000);
    const open = (carrier: Carrier, head: Buffer, agreed: { protocol: string; extensions: ExtensionOffer[] }): void => {
      // §7 of RFC 7692: a permessage-deflate answer the offer did not allow fails the connection.
      const deflate = agreedDeflate(agreed.extensions, deflateOffer);
      if (deflate?.ok === false) {
        carrier.destroy();
        this.failHandshake(`Server's permessage-deflate answer refused: ${deflate.reason}`);
        return;
      }
      this.finishHandshake();
      this.protocol = agreed.protocol;
      this.extensions = formatExtensions(agreed.extensions);
      // Off by default on a client: a browser runs no heartbeat of its own either.
      const heartbeat = createWatch(options.heartbeat || false, {
        writeStallTimeout: options.writeStallTimeout ?? Infinity,
        messageTimeout: options.messageTimeout ?? Infinity,
        counted: false,
      });
      this[attach](carrier, head, { ...(deflate?.ok ? withDeflate(settings, deflate.parameters) : settings), heartbeat });
      this.emit('open');
    };
    const overHttp1 = (): void => {
      this.overHttp2 = false;
      this.abortHandshake = upgradeOverHttp1(url, options, handshakeHeaders, (response, socket, head) => {
        const check = validateUpgradeResponse(
          { statusCode: response.statusCode ?? 0, headers: response.headers },
          { key, protocols: offered, extensions },
        );
        if (!check.ok) {
          socket.destroy();
          this.failHandshake(check.reason);
          return;
        }
        open(socket, head, check);
      }, (message) => this.failHandshake(message));
    };
    // Unasked, a wss: WebSocket joins an HTTP/2 session to its origin that is open and allows it.
    const http2 = options.http2 ?? (url.protocol === 'wss:' && hasSharedSession(sessionOrigin(url)));
    if (!http2) {
      overHttp1();
      return;
    }
    this.overHttp2 = true;
    this.abortHandshake = openOverHttp2(
      {
        url,
        session: http2,
        tls: options.tls,
        headers: options.headers,
        protocols: offered,
        extensions,
        origin: options.origin,
        timeout: options.handshakeTimeout ?? 10_000,
      },
      { open: (carrier, check) => open(carrier, EMPTY_HEAD, check), fail: (message) => this.failHandshake(message), fallBack: overHttp1 },
    );
  }

  /** 'http2-stream' when the WebSocket runs (or is being opened) over HTTP/2, else 'socket'. */
  override get carrier(): CarrierKind {
    return this.readyState === CONNECTING ? (this.overHttp2 ? 'http2-stream' : 'socket') : super.carrier;
  }

  /**
   * WHATWG close(): the code must be 1000 or 3000–4999 and the reason at most
   * 123 bytes of UTF-8; closing while connecting abandons the handshake.
   */
  override close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`The close code must be 1000 or in 3000–4999, got ${code}`, 'InvalidAccessError');
    }
    if (reason !== undefined && Buffer.byteLength(reason) > MAX_CLOSE_REASON_BYTES) {
      throw new DOMException('The close reason must be at most 123 bytes of UTF-8', 'SyntaxError');
    }
    if (this.readyState === CONNECTING) {
      this.failHandshake('WebSocket was closed before the connection was established');
      return;
    }
    // WHATWG "close the WebSocket": a reason without a code goes out with 1000.
    if (code === undefined && reason) code = 1000;
    super.close(code, code === undefined ? undefined : reason);
  }

  /** Destroys the connection at once; while connecting, abandons the handshake (error, then close 1006). */
  override terminate(): void {
    if (this.readyState === CONNECTING) {
      this.failHandshake('WebSocket was closed before the connection was established');
      return;
    }
    super.terminate();
  }

  private finishHandshake(): void {
    clearTimeout(this.handshakeTimer);
    this.abortHandshake = undefined;
  }

  private failHandshake(message: string): void {
    if (this.readyState !== CONNECTING) return;
    const abort = this.abortHandshake;
    this.finishHandshake();
    this.setReadyState(CLOSING);
    abort?.();
    this.setReadyState(CLOSED);
    if (this.listenerCount('error') > 0) this.emit('error', new Error(message));
    this.emit('close', 1006, '', false);
  }
}

/** The server's permessage-deflate answer checked against our offer, if it answered one. */
function agreedDeflate(
  accepted: ExtensionOffer[],
  offer: DeflateOfferParameters | undefined,
): { ok: true; parameters: DeflateParameters } | { ok: false; reason: string } | undefined {
  const answer = accepted.find((extension) => extension.name === PERMESSAGE_DEFLATE);
  return answer && offer ? acceptDeflateResponse(answer.params, offer) : undefined;
}

/** WHATWG "WebSocket(url)": ws, wss, and http(s) mapped to them; no fragment. */
function parseWebSocketUrl(address: string | URL): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new DOMException(`Invalid URL: ${String(address)}`, 'SyntaxError');
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new DOMException(`The URL's scheme must be ws or wss, got ${url.protocol.slice(0, -1)}`, 'SyntaxError');
  }
  // An empty fragment ("ws://host/#") is still a fragment, though `hash` reads ''.
  if (url.hash !== '' || url.href.endsWith('#')) throw new DOMException('The URL must not have a fragment', 'SyntaxError');
  return url;
}

const EMPTY_HEAD = Buffer.alloc(0);

/**
 * The HTTP/1.1 opening handshake (RFC 6455 §4.1): a GET with Upgrade, and the
 * 101's socket to `upgraded`, or why not to `fail`. Returns the way to abandon it.
 */
function upgradeOverHttp1(
  url: URL,
  options: WebSocketClientOptions,
  handshakeHeaders: Record<string, string>,
  upgraded: (response: IncomingMessage, socket: Socket, head: Buffer) => void,
  fail: (message: string) => void,
): () => void {
  const secure = url.protocol === 'wss:';
  const request = (secure ? httpsRequest : httpRequest)({
    ...(secure ? options.tls : undefined),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (secure ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: { ...options.headers, ...handshakeHeaders },
    agent: false,
    localAddress: options.localAddress,
  });
  if (options.trace) traceClientRequest(request, typeof options.trace === 'string' ? options.trace : undefined);
  request.on('upgrade', upgraded);
  request.on('response', (response: IncomingMessage) => {
    // Anything but 101: quote the start of the body, which usually says why.
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (body.length < BODY_QUOTE_LIMIT) body += chunk;
    });
    const refused = () => {
      const why = body.trim().slice(0, BODY_QUOTE_LIMIT);
      fail(`Unexpected server response: ${response.statusCode}${why ? ` (${why})` : ''}`);
    };
    response.on('end', refused);
    response.on('error', refused);
  });
  request.on('error', (error: Error) => fail(error.message));
  request.end();
  return () => request.destroy();
}
