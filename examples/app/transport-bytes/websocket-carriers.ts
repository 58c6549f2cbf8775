// The two WebSocket carriers: bare text frames (this package's WebSocketServer sending
// each message as it is), and `switchboard.v1` through the mount (`<prefix>/ws`), where
// each message is a JSON envelope with its channel and hub id.
import { WebSocket, WebSocketServer, type WebSocketConnection, type WebSocketMessageEvent } from 'switchboard';
import { CHANNEL, HOST, PREFIX, SessionReader, startMount, type OpenCarrier } from './carrier.js';
import { within, type Deadline, type Inbox } from './inbox.js';

/** Resolves when the client is open; rejects if it fails or closes first. */
function opened(client: WebSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.addEventListener('open', () => resolve(), { once: true });
    client.addEventListener('close', () => reject(new Error('WebSocket closed before it opened')), { once: true });
  });
}

/** Text messages into `read`; a close before the run ends fails the inbox. */
function readText(client: WebSocket, inbox: Inbox, read: (text: string) => void): void {
  client.addEventListener('message', (event: WebSocketMessageEvent) => {
    if (typeof event.data === 'string') read(event.data);
    else inbox.fail(new Error('a binary message arrived'));
  });
  client.addEventListener('close', () => inbox.fail(new Error('WebSocket closed during the run')));
}

export const openWebSocketFrames: OpenCarrier = async (inbox) => {
  const wss = new WebSocketServer({ port: 0, host: HOST, heartbeat: false });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as { port: number }).port;
  let peer: WebSocketConnection | undefined;
  let client: WebSocket | undefined;
  return {
    port,
    connect: async (deadline: Deadline, via: number) => {
      const accepted = new Promise<WebSocketConnection>((resolve) => wss.once('connection', resolve));
      client = new WebSocket(`ws://${HOST}:${via}/`);
      readText(client, inbox, (text) => inbox.push(text));
      [peer] = await within(Promise.all([accepted, opened(client)]), deadline, 'WebSocket handshake');
    },
    send: async (message) => {
      peer!.send(message);
    },
    close: async () => {
      client?.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
};

export const openSwitchboardWebSocket: OpenCarrier = async (inbox) => {
  const mount = await startMount('http1');
  const reader = new SessionReader(inbox);
  let client: WebSocket | undefined;
  return {
    port: mount.port,
    connect: async (deadline, via) => {
      client = new WebSocket(`ws://${HOST}:${via}${PREFIX}/ws`, 'switchboard.v1');
      let first: (() => void) | undefined;
      const pinged = new Promise<void>((resolve) => (first = resolve));
      readText(client, inbox, (text) => {
        first?.();
        reader.read(text);
      });
      await within(opened(client), deadline, 'switchboard.v1 handshake');
      // The session's first message is its `ping`: part of opening it, as the subscription is.
      await within(pinged, deadline, 'first ping');
      client.send(JSON.stringify({ type: 'subscribe', channel: CHANNEL }));
      await within(reader.subscribed, deadline, 'subscribed');
    },
    send: (message) => mount.publish(message),
    close: async () => {
      client?.terminate();
      await mount.close();
    },
  };
};
