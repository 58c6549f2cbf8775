import { once } from 'node:events';
import { type ClientHttp2Session, connect } from 'node:http2';
import { RawWebSocketPeer } from './raw-websocket-client.js';

const sessions = new Map<number, ClientHttp2Session>();

/**
 * A raw client on one stream of an HTTP/2 connection (h2c) to `127.0.0.1:port`:
 * an extended CONNECT (RFC 8441) made by hand, then exactly the bytes a test
 * gives, as `connectRawClient` does over TCP. The streams of one port share a
 * session, as a browser's would. When the server ends its side (END_STREAM),
 * the peer ends its own, as a TCP socket without half-open would, so that the
 * stream closes and `untilClosed` resolves.
 */
export async function connectRawHttp2Client(port: number, path = '/'): Promise<RawWebSocketPeer> {
  let session = sessions.get(port);
  if (!session || session.closed || session.destroyed) {
    session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    sessions.set(port, session);
    await once(session, 'remoteSettings');
  }
  const stream = session.request(
    { ':method': 'CONNECT', ':protocol': 'websocket', ':path': path, 'sec-websocket-version': '13' },
    { endStream: false },
  );
  const [headers] = await once(stream, 'response');
  if (headers[':status'] !== 200) {
    stream.destroy();
    throw new Error(`Extended CONNECT refused: ${headers[':status']}`);
  }
  stream.on('end', () => stream.end());
  const client = new RawWebSocketPeer(stream, 'client', 0, `:status: ${headers[':status']}`);
  client.start(Buffer.alloc(0));
  return client;
}

/** Closes the sessions left open by `connectRawHttp2Client`. */
export function closeRawHttp2Sessions(): void {
  for (const session of sessions.values()) session.destroy();
  sessions.clear();
}
