// A peer that closes TCP without a close frame (RFC 6455 §7.1.5: code 1006). The
// sockets of an http.Server allow half-open connections, so the server must end its
// side itself; otherwise the connection lingers (CLOSE_WAIT) until the heartbeat, or
// forever with the heartbeat off, and stays in `clients`.
import { once } from 'node:events';
import { type AddressInfo, type Socket, connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { computeAccept } from '../../src/protocol/websocket/index.js';
import { type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import { clientFrame } from '../support/raw-frame.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

async function serverAndClient(): Promise<{ wss: WebSocketServer; connection: WebSocketConnection; client: Socket }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', heartbeat: false, closeTimeout: 60_000 });
  cleanups.push(() => wss.close());
  await once(wss, 'listening');
  const accepted = once(wss, 'connection');
  const client = connect({ port: (wss.address() as AddressInfo).port, host: '127.0.0.1' });
  cleanups.push(() => client.destroy());
  client.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const [head] = (await once(client, 'data')) as [Buffer];
  expect(head.toString('latin1')).toContain(`Sec-WebSocket-Accept: ${computeAccept(KEY)}`);
  const [connection] = (await accepted) as [WebSocketConnection];
  return { wss, connection, client };
}

it('closes with 1006 and ends its side when the peer ends TCP without a close frame', async () => {
  const { wss, connection, client } = await serverAndClient();
  const closed = once(connection, 'close');
  const ended = once(client, 'end');
  client.end();
  expect(await closed).toEqual([1006, '', false]);
  await ended;
  expect(wss.clients.size).toBe(0);
});

it('still delivers the frames that came before the end', async () => {
  const { connection, client } = await serverAndClient();
  const received: string[] = [];
  connection.on('message', (data: Buffer) => received.push(data.toString()));
  const closed = once(connection, 'close');
  client.end(Buffer.concat([clientFrame({ opcode: 1, payload: 'last words' })]));
  expect(await closed).toEqual([1006, '', false]);
  expect(received).toEqual(['last words']);
});
