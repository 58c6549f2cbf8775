// The client's events: one Event subclass whose typed `detail` depends on the name.
import type { GapMessage } from '../protocol/pubsub/messages.js';
import type { TransportName } from './options.js';

export interface ClientEventMap {
  /** A session opened (after a connection, a reconnection or a switch of transport); subscriptions are being resumed. */
  readonly open: { readonly transport: TransportName };
  /** `close()` was called: the client stopped for good. */
  readonly close: Record<string, never>;
  /** A session ended or an attempt failed; the next attempt comes after `delay` ms (sooner on `online`). */
  readonly reconnecting: { readonly attempt: number; readonly delay: number; readonly reason: string };
  /** A channel was subscribed again on a new session, from `since`; `lossy` when a gap came in between. */
  readonly resume: { readonly channel: string; readonly since: string; readonly lossy: boolean };
  /** The server could not replay everything after `since` (also delivered to the channel's handlers). */
  readonly gap: GapMessage;
  /** The session now runs on another transport than the previous one, and why. */
  readonly transport: { readonly name: TransportName; readonly previous: TransportName | undefined; readonly reason: string };
  /**
   * A server `error` not tied to a publish (`code` from the server), an unreadable server
   * message (`bad-message`), or a channel handler that threw (`handler-threw`, with `cause`).
   */
  readonly error: { readonly code: string; readonly message: string; readonly channel?: string; readonly cause?: unknown };
}

export type ClientEventName = keyof ClientEventMap;

export class SwitchboardEvent<K extends ClientEventName = ClientEventName> extends Event {
  constructor(
    type: K,
    readonly detail: ClientEventMap[K],
  ) {
    super(type);
  }
}
