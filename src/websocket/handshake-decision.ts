import type { OutgoingHeaders } from '../protocol/websocket/index.js';
import type { HandshakeRequest } from './handshake-request.js';
import type { VerifyResult, WebSocketServerOptions } from './server.js';

type Refuse = (status: number, reason: string, headers?: OutgoingHeaders) => void;

/**
 * The application's say in a handshake, the same over HTTP/1.1 and HTTP/2:
 * the Origin allow-list (403), the subprotocol (`handleProtocols`), then
 * `verify`, perhaps asynchronous. Calls `accept` with the chosen subprotocol,
 * or `refuse` with a status. Throws when `handleProtocols` picks one not offered.
 */
export function decideHandshake(
  options: WebSocketServerOptions,
  offers: { protocols: string[]; origin: string | undefined },
  request: HandshakeRequest,
  refuse: Refuse,
  accept: (protocol: string | undefined) => void,
): void {
  const origins = options.origins;
  if (origins !== undefined) {
    const allowed = typeof origins === 'function' ? origins(offers.origin, request) : offers.origin !== undefined && origins.includes(offers.origin);
    if (!allowed) return refuse(403, 'Origin not allowed');
  }
  let protocol: string | undefined;
  if (offers.protocols.length > 0) {
    const chosen = options.handleProtocols ? options.handleProtocols(offers.protocols, request) : offers.protocols[0];
    if (chosen) {
      // RFC 6455 §4.2.2: the server may only choose one the client offered.
      if (!offers.protocols.includes(chosen)) throw new Error(`handleProtocols chose ${chosen}, which the client did not offer`);
      protocol = chosen;
    }
  }
  const verify = options.verify;
  if (!verify) return accept(protocol);
  const decide = (result: VerifyResult): void => {
    if (result === true || result === undefined) return accept(protocol);
    if (result === false) return refuse(401, 'Unauthorized');
    refuse(result.status, result.reason ?? '', result.headers);
  };
  const result = verify(request);
  if (result instanceof Promise) {
    result.then(decide, (error: Error) => refuse(500, `verify failed: ${error.message}`));
  } else {
    decide(result);
  }
}
