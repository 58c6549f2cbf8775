import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WS, { WebSocketServer as WSServer, type PerMessageDeflateOptions as WSDeflateOptions } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, type WebSocketConnection, WebSocketServer } from '../../src/websocket/index.js';
import type { PerMessageDeflateOptions } from '../../src/websocket/deflate-options.js';

// permessage-deflate (RFC 7692) with `ws`, both ways: our server with a `ws`
// client and our client with a `ws` server, for every combination of the four
// parameters (§7.1) each side may ask for. Each run sends messages both ways,
// large and small, text and binary, several in a row (so context takeover is
// exercised), and checks they arrive intact and that the agreed extension says
// what was asked.

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

interface Combo {
  name: string;
  /** What the client offers / the server asks for, in our option names. */
  options: PerMessageDeflateOptions;
}

const COMBOS: Combo[] = [
  { name: 'defaults', options: {} },
  { name: 'server_no_context_takeover', options: { serverNoContextTakeover: true } },
  { name: 'client_no_context_takeover', options: { clientNoContextTakeover: true } },
  { name: 'both no_context_takeover', options: { serverNoContextTakeover: true, clientNoContextTakeover: true } },
  { name: 'server_max_window_bits=9', options: { serverMaxWindowBits: 9 } },
  { name: 'client_max_window_bits=9', options: { clientMaxWindowBits: 9 } },
  { name: 'window bits 8 both', options: { serverMaxWindowBits: 8, clientMaxWindowBits: 8 } },
  { name: 'everything', options: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 } },
];

function toWs(options: PerMessageDeflateOptions): WSDeflateOptions {
  return {
    serverNoContextTakeover: options.serverNoContextTakeover,
    clientNoContextTakeover: options.clientNoContextTakeover,
    serverMaxWindowBits: options.serverMaxWindowBits,
    clientMaxWindowBits: options.clientMaxWindowBits,
    threshold: 0,
  };
}

const chat = (i: number) => JSON.stringify({ type: 'chat', room: 'lobby', user: `user-${i % 7}`, text: `message number ${i} `.repeat(20) });
const MESSAGES: (string | Buffer)[] = [chat(1), chat(2), 'tiny', Buffer.alloc(200_000, 7), chat(3), Buffer.from([1, 2, 3]), 'é€𝄞'.repeat(5000)];

function collect(socket: { on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown }, count: number): Promise<(string | Buffer)[]> {
  const got: (string | Buffer)[] = [];
  return new Promise((resolve) =>
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      got.push(isBinary ? Buffer.from(data) : data.toString());
      if (got.length === count) resolve(got);
    }),
  );
}

type Sender = Parameters<typeof collect>[0] & { send(data: string | Buffer): unknown };

/** Every message of `MESSAGES` from each end to the other, at once, and all must arrive intact and in order. */
async function bothWays(client: Sender, server: Sender): Promise<void> {
  const atServer = collect(server, MESSAGES.length);
  const atClient = collect(client, MESSAGES.length);
  for (const message of MESSAGES) client.send(message);
  for (const message of MESSAGES) server.send(message);
  expect(await atServer).toEqual(MESSAGES);
  expect(await atClient).toEqual(MESSAGES);
}

async function ourServer(options: PerMessageDeflateOptions): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { ...options, threshold: 0 } });
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { server, port: (server.address() as AddressInfo).port };
}

async function theirServer(options: PerMessageDeflateOptions): Promise<{ server: WSServer; port: number }> {
  const server = new WSServer({ port: 0, host: '127.0.0.1', perMessageDeflate: toWs(options) });
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('permessage-deflate: our server, a ws client', () => {
  for (const combo of COMBOS) {
    it(`${combo.name}: server asks, messages both ways intact`, { timeout: 10_000 }, async () => {
      const { server, port } = await ourServer(combo.options);
      const connected = once(server, 'connection') as Promise<[WebSocketConnection]>;
      const client = new WS(`ws://127.0.0.1:${port}`, { perMessageDeflate: toWs(combo.options) });
      closers.push(async () => client.terminate());
      await once(client, 'open');
      const [connection] = await connected;
      expect(connection.extensions).toMatch(/^permessage-deflate/);
      expect(client.extensions).toBe('permessage-deflate');
      await bothWays(client, connection);
    });
  }
});

describe('permessage-deflate: our client, a ws server', () => {
  for (const combo of COMBOS) {
    it(`${combo.name}: client offers, messages both ways intact`, { timeout: 10_000 }, async () => {
      const { server, port } = await theirServer(combo.options);
      const connected = once(server, 'connection') as Promise<[WS]>;
      const client = new WebSocket(`ws://127.0.0.1:${port}`, undefined, { perMessageDeflate: { ...combo.options, threshold: 0 } });
      closers.push(async () => client.terminate());
      await once(client, 'open');
      const [connection] = await connected;
      expect(client.extensions).toMatch(/^permessage-deflate/);
      await bothWays(client, connection);
    });
  }
});
