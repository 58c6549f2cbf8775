// Events of the ReconnectingWebSocket. Node 20 has Event and MessageEvent but neither
// CloseEvent nor ErrorEvent, so the ones with extra fields are small Event subclasses.
import type { GapMessage, PubSubErrorCode } from '../protocol/pubsub/index.js';
import type { SendData } from '../websocket/index.js';

/** One connection closed. `willReconnect` says whether another attempt follows. */
export class ReconnectingCloseEvent extends Event {
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly wasClean: boolean,
    readonly willReconnect: boolean,
  ) {
    super('close');
  }
}

export class ReconnectingErrorEvent extends Event {
  readonly message: string;
  constructor(readonly error: Error) {
    super('error');
    this.message = error.message;
  }
}

/** A reconnection attempt is scheduled: its number since the last open connection, the delay, and why. */
export class ReconnectEvent extends Event {
  constructor(
    /** 1 for the first attempt after a drop, 2 for the next… */
    readonly attempt: number,
    readonly delayMs: number,
    /** The close code of the connection that ended (1006 for a failed attempt). */
    readonly code: number,
    /** The close reason, or the error that failed the attempt. */
    readonly reason: string,
  ) {
    super('reconnect');
  }
}

/**
 * A channel was subscribed again after a reconnection, from its last id. `lossy` is
 * true when the server reported a gap: messages in between are gone (history expired,
 * or the hub lost it: another epoch). Delivery carries on either way.
 */
export class ResumeEvent extends Event {
  constructor(
    readonly channel: string,
    readonly since: string,
    readonly lossy: boolean,
    readonly gap: GapMessage | undefined,
  ) {
    super('resume');
  }
}

export type DropReason =
  /** The outgoing queue was full while disconnected. */
  | 'queue-full'
  /** The socket is closed for good (close() or a stop). */
  | 'closed'
  /** The open connection refused it (its own buffer limit). */
  | 'buffer-full';

/** Outgoing data that will never be sent. */
export class DropEvent extends Event {
  constructor(
    readonly data: SendData,
    readonly reason: DropReason,
  ) {
    super('drop');
  }
}

/** An `error` reply from a switchboard.v1 server. */
export class ServerErrorEvent extends Event {
  constructor(
    readonly code: PubSubErrorCode,
    readonly message: string,
    readonly channel: string | undefined,
    readonly ref: string | undefined,
  ) {
    super('servererror');
  }
}

/** A publish that failed: refused by the server, dropped, or unacknowledged when the connection closed. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    readonly code: PubSubErrorCode | 'connection-lost' | DropReason,
    message: string,
  ) {
    super(message);
  }
}
