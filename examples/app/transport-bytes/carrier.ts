// What each transport provides to the measurement (transport-bytes.ts): a server of its
// own on an ephemeral loopback port, a client that connects and subscribes, and a way to
// send one message from the server to that client.
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSwitchboard, type SwitchboardRequest, type SwitchboardResponse } from 'switchboard';
import { parseServerMessage } from 'switchboard/protocol';
import type { Deadline, Inbox } from './inbox.js';

export const HOST = '127.0.0.1';
/** The hub channel every Switchboard transport subscribes to. */
export const CHANNEL = 'bytes';
export const PREFIX = '/switchboard';

export interface Carrier {
  /** The server's port. */
  readonly port: number;
  /**
   * Opens the client and subscribes it; what this costs is the handshake. Every
   * connection the client opens goes to `port` (the byte-counting relay in front of
   * the server), so the URLs it sends name that port.
   */
  connect(deadline: Deadline, port: number): Promise<void>;
  /** Sends one message from the server; the client pushes what it receives into the inbox. */
  send(message: string): Promise<void>;
  /** Ends the client, the server and everything they hold. */
  close(): Promise<void>;
}

/** Starts a carrier's server; the client pushes each message it receives (decoded) into `inbox`. */
export type OpenCarrier = (inbox: Inbox) => Promise<Carrier>;

/** The mount on a loopback server of its own (HTTP/1.1 with upgrades, or h2c), and how to publish on it. */
export interface Mount {
  readonly port: number;
  /** Publishes on the channel the client subscribed to. */
  publish(message: string): Promise<void>;
  /** Ends the mount's sessions and the server. */
  close(): Promise<void>;
}

export async function startMount(http: 'http1' | 'http2'): Promise<Mount> {
  // A heartbeat far beyond a run: the only `ping` is the first, in the handshake.
  const switchboard = createSwitchboard({ prefix: PREFIX, heartbeatInterval: 600_000 });
  const answer = (request: SwitchboardRequest, response: SwitchboardResponse): void => {
    if (!switchboard.handleRequest(request, response)) response.writeHead(404).end();
  };
  const server = http === 'http1' ? createServer(answer) : createHttp2Server(answer);
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!switchboard.handleUpgrade(request, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    publish: async (message) => {
      await switchboard.hub.publish(CHANNEL, { data: message });
    },
    close: async () => {
      await switchboard.close();
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads a client's `switchboard.v1` messages: the data of each `message` on the channel
 * goes to the inbox, `subscribed` settles `subscribed`, an `error` or unreadable text
 * fails the inbox.
 */
export class SessionReader {
  readonly subscribed: Promise<void>;
  /** Whether `subscribed` has come. */
  isSubscribed = false;
  private markSubscribed!: () => void;

  constructor(private readonly inbox: Inbox) {
    this.subscribed = new Promise<void>((resolve) => {
      this.markSubscribed = resolve;
    });
  }

  read(text: string): void {
    const parsed = parseServerMessage(text);
    if (!parsed.ok) return this.inbox.fail(new Error(`unreadable switchboard.v1 message: ${parsed.reason}`));
    const message = parsed.message;
    if (message.type === 'message' && message.channel === CHANNEL) this.inbox.push(message.data);
    else if (message.type === 'subscribed') {
      this.isSubscribed = true;
      this.markSubscribed();
    }
    else if (message.type === 'error') this.inbox.fail(new Error(`server error: ${message.code}`));
  }
}

/** The client messages that subscribe to the channel, as a session `POST` body. */
export const SUBSCRIBE_BODY = JSON.stringify([{ type: 'subscribe', channel: CHANNEL }]);
