import { type DeflateNegotiation, type ExtensionOffer, negotiateDeflate } from '../protocol/websocket/index.js';
import { attach } from './adapter-operations.js';
import type { Carrier } from './carrier.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { SocketAdapter } from './socket-adapter.js';
import { withDeflate } from './deflate-options.js';
import { countWebSocketOpened } from '../metrics/library-metrics.js';

export type DeflateAgreement = Extract<DeflateNegotiation, { accepted: true }>;

/** RFC 7692 §5: permessage-deflate when both sides want it, on the first offer we can accept. */
export function agreeDeflate(settings: ConnectionSettings, offers: readonly ExtensionOffer[]): DeflateAgreement | undefined {
  const compression = settings.compression;
  const deflate = compression && negotiateDeflate(offers, compression.negotiation);
  return deflate?.accepted ? deflate : undefined;
}

/** A server-side connection, once the handshake's answer is on its way, over a socket or an HTTP/2 stream. */
export function openConnection<Connection extends SocketAdapter>(
  connection: Connection,
  carrier: Carrier,
  head: Buffer,
  settings: ConnectionSettings,
  protocol: string | undefined,
  agreed: DeflateAgreement | undefined,
): Connection {
  if (protocol) connection.protocol = protocol;
  if (agreed) connection.extensions = agreed.response;
  connection[attach](carrier, head, agreed ? withDeflate(settings, agreed.parameters) : settings);
  countWebSocketOpened();
  return connection;
}
