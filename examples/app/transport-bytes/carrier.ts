// What each transport provides to the measurement (transport-bytes.ts): a server of its
// own on an ephemeral loopback port, a client that connects and subscribes, and a way to
// send one message from the server to that client.
import type { Server as HttpServer } from 'node:http';
import type { Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createSwitchboard, type Switchboard } from 'switchboard';
import { parseServerMessage } from 'switchboard/protocol';
import type { Deadline, Inbox } from './inbox.js';

export const HOST = '127.0.0.1';
/** The hub channel every Switchboard transport subscribes to. */
export const CHANNEL = 'bytes';
export const PREFIX = '/switchboard';

export interface Carrier {
  /** Where the client connects; every connection it opens goes to this port. */
  readonly port: number;
  /** Opens the client and subscribes it; what this costs is the handshake. */
  connect(deadline: Deadline): Promise<void>;
  /** Sends one message from the server; the client pushes what it receives into the inbox. */
  send(message: string): Promise<void>;
  /** Ends the client, the server and everything they hold. */
  close(): Promise<void>;
}

/** Starts a carrier's server; the client pushes each message it receives (decoded) into `inbox`. */
export type OpenCarrier = (inbox: Inbox) => Promise<Carrier>;

/** The mount with a heartbeat far beyond a run: the only `ping` is the first, in the handshake. */
export function quietSwitchboard(): Switchboard {
  return createSwitchboard({ prefix: PREFIX, heartbeatInterval: 600_000 });
}

export async function listen(server: HttpServer | Http2Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: HttpServer | Http2Server): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
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
