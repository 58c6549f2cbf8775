import { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, constants } from 'node:http2';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { type ExtensionOffer, type UpgradeResponseCheck, clientConnectHeaders, validateConnectResponse } from '../protocol/websocket/index.js';
import type { Carrier } from './carrier.js';
import { prepareStream } from './http2-carrier.js';
import { type SharedSession, connectAllowed, releaseSession, takeSession } from './http2-sessions.js';

export interface Http2Attempt {
  url: URL;
  /** `true`: the shared session of the URL's origin; or a session of the application's. */
  session: true | ClientHttp2Session;
  tls: TlsConnectionOptions | undefined;
  headers: Record<string, string> | undefined;
  protocols: string[];
  extensions: ExtensionOffer[];
  origin: string | undefined;
  timeout: number;
}

export interface Http2Outcome {
  open(carrier: Carrier, check: Extract<UpgradeResponseCheck, { ok: true }>): void;
  fail(message: string): void;
  /** The server did not advertise extended CONNECT: use HTTP/1.1 instead. */
  fallBack(): void;
}

/** Most bytes of a refusal's body quoted in the error message. */
const BODY_QUOTE_LIMIT = 512;

/**
 * Opens a WebSocket on a stream of an HTTP/2 session (RFC 8441 §5): waits for
 * the server's SETTINGS, sends the extended CONNECT, and checks the answer.
 * Returns the way to abandon the attempt.
 */
export function openOverHttp2(attempt: Http2Attempt, outcome: Http2Outcome): () => void {
  const secure = attempt.url.protocol === 'wss:';
  const entry: SharedSession | undefined = attempt.session === true ? takeSession(sessionOrigin(attempt.url), attempt.tls, attempt.timeout) : undefined;
  const session = entry?.session ?? (attempt.session as ClientHttp2Session);
  let released = false;
  const release = (): void => {
    if (entry && !released) releaseSession(entry);
    released = true;
  };
  let stream: ClientHttp2Stream | undefined;
  let abandoned = false;
  (entry?.connectAllowed ?? connectAllowed(session, attempt.timeout)).then((allowed) => {
    if (abandoned) return release();
    if (!allowed || session.closed || session.destroyed) {
      release();
      return outcome.fallBack();
    }
    const offers = { protocols: attempt.protocols, extensions: attempt.extensions, origin: attempt.origin };
    const request = clientConnectHeaders({
      ...offers,
      scheme: secure ? 'https' : 'http',
      authority: attempt.url.host,
      path: `${attempt.url.pathname}${attempt.url.search}`,
    });
    stream = session.request({ ...lowerCase(attempt.headers), ...request }, { endStream: false });
    stream.once('close', release);
    stream.on('error', (error: Error) => outcome.fail(error.message));
    stream.once('response', (headers: IncomingHttpHeaders) => {
      const status = Number(headers[':status']);
      const check = validateConnectResponse({ status, headers }, offers);
      if (check.ok) return outcome.open(prepareStream(stream!), check);
      if (status >= 200 && status <= 299) {
        stream!.close(constants.NGHTTP2_CANCEL);
        return outcome.fail(check.reason);
      }
      quoteBody(stream!, (body) => outcome.fail(`${check.reason}${body ? ` (${body})` : ''}`));
    });
  });
  return () => {
    abandoned = true;
    if (stream && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  };
}

/** The key of a URL's shared session: h2 over TLS for wss:, h2c for ws:. */
export function sessionOrigin(url: URL): string {
  return `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
}

function quoteBody(stream: ClientHttp2Stream, done: (body: string) => void): void {
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (body.length < BODY_QUOTE_LIMIT) body += chunk;
  });
  const finish = (): void => done(body.trim().slice(0, BODY_QUOTE_LIMIT));
  stream.once('end', finish);
  stream.once('close', finish);
}

/** HTTP/2 field names are lower case (RFC 9113 §8.2.1). */
function lowerCase(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}
