// The client side of `switchboard.v1` channels: which handlers listen to which channel,
// the last id each channel delivered, subscribing again with `since` after a
// reconnection, and gaps. Sans-I/O: it never sends, waits or reads a clock; it returns
// the messages to send and, for each server message, the effects to carry out in
// order. No `node:` import and no Buffer, so that every client shares it (Node's
// ReconnectingWebSocket today, a browser, Bun or Deno client tomorrow).
import type {
  ChannelMessage,
  ErrorMessage,
  GapMessage,
  PubSubErrorCode,
  ServerMessage,
  SubscribeMessage,
  SubscribedMessage,
  UnsubscribeMessage,
} from './messages.js';

/** What a channel handler receives: the channel's messages, gaps, the live marker and errors. */
export type ChannelEvent = ChannelMessage | GapMessage | SubscribedMessage | ErrorMessage;
export type ChannelHandler = (event: ChannelEvent) => void;

/** What one server message asks the client to do, in the order given. */
export type ClientChannelEffect =
  /**
   * Call the channel's handlers (`handlersOf`, looked up when this effect's turn comes:
   * an earlier effect's listener may have subscribed or unsubscribed) with the event.
   */
  | { readonly type: 'deliver'; readonly channel: string; readonly event: ChannelEvent }
  /**
   * A channel subscribed again after a reconnection is live again, from `since`.
   * `lossy` when the server sent a gap in between: messages after `since` are gone.
   */
  | { readonly type: 'resume'; readonly channel: string; readonly since: string; readonly lossy: boolean; readonly gap: GapMessage | undefined }
  /** Any `error` reply; it comes before what follows from it. */
  | { readonly type: 'server-error'; readonly error: ErrorMessage }
  /** The publish sent with `ref` was stored under `id`. */
  | { readonly type: 'published'; readonly ref: string; readonly id: string }
  /** The publish sent with `ref` was refused. */
  | { readonly type: 'publish-refused'; readonly ref: string; readonly code: PubSubErrorCode; readonly message: string };

/** A channel's position, as its subscriber sees it. */
export interface ChannelPosition {
  readonly channel: string;
  /** The id resumption starts after: the last message, or the head when subscribed. */
  readonly lastId: string | undefined;
}

interface ChannelState extends ChannelPosition {
  readonly handlers: Set<ChannelHandler>;
  lastId: string | undefined;
  /** Set while a resubscription after a reconnection waits for its `subscribed`. */
  resumeFrom: string | undefined;
  gap: GapMessage | undefined;
}

const NOTHING: readonly ClientChannelEffect[] = Object.freeze([]);

export class ClientChannels {
  private readonly channels = new Map<string, ChannelState>();
  private everConnected = false;

  /** Channels with at least one handler. */
  get size(): number {
    return this.channels.size;
  }

  /** The channel's handlers now; a copy, since a handler may unsubscribe while they are called. */
  handlersOf(channel: string): ChannelHandler[] {
    const state = this.channels.get(channel);
    return state === undefined ? [] : [...state.handlers];
  }

  /**
   * Adds a handler. For a channel new to this client it returns the `subscribe` to send
   * (when connected; otherwise `connected()` sends it). `since` resumes after an id kept
   * from earlier; it is ignored for a channel already subscribed.
   */
  add(channel: string, handler: ChannelHandler, since?: string): { readonly position: ChannelPosition; readonly subscribe: SubscribeMessage | undefined } {
    const existing = this.channels.get(channel);
    if (existing !== undefined) {
      existing.handlers.add(handler);
      return { position: existing, subscribe: undefined };
    }
    const state: ChannelState = { channel, handlers: new Set([handler]), lastId: since, resumeFrom: undefined, gap: undefined };
    this.channels.set(channel, state);
    return { position: state, subscribe: { type: 'subscribe', channel, since } };
  }

  /**
   * Removes a handler added with `position`. When it was the channel's last one, returns
   * the `unsubscribe` to send. A position whose channel was left (and maybe subscribed
   * anew since) is spent: removing through it does nothing.
   */
  remove(position: ChannelPosition, handler: ChannelHandler): UnsubscribeMessage | undefined {
    const state = this.channels.get(position.channel);
    if (state !== position || !state.handlers.delete(handler) || state.handlers.size > 0) return undefined;
    this.channels.delete(state.channel);
    return { type: 'unsubscribe', channel: state.channel };
  }

  /**
   * A connection opened: the `subscribe` of every channel, each from its last id. After
   * the first connection these are resumptions, each answered with a 'resume' effect
   * once live (when the channel had a position to resume from).
   */
  connected(): SubscribeMessage[] {
    const resuming = this.everConnected;
    this.everConnected = true;
    const messages: SubscribeMessage[] = [];
    for (const state of this.channels.values()) {
      state.gap = undefined;
      state.resumeFrom = resuming ? state.lastId : undefined;
      messages.push({ type: 'subscribe', channel: state.channel, since: state.lastId });
    }
    return messages;
  }

  /** Routes one server message: updates the channel's position and says what to do. */
  receive(message: ServerMessage): readonly ClientChannelEffect[] {
    switch (message.type) {
      case 'message': {
        const state = this.channels.get(message.channel);
        if (state === undefined) return NOTHING;
        state.lastId = message.id;
        return [deliver(message.channel, message)];
      }
      case 'gap': {
        const state = this.channels.get(message.channel);
        if (state === undefined) return NOTHING;
        state.gap = message;
        return [deliver(message.channel, message)];
      }
      case 'subscribed':
        return this.live(message);
      case 'published':
        return [{ type: 'published', ref: message.ref, id: message.id }];
      case 'unsubscribed':
      // The heartbeat and the restart hint are the connection's business, not the channels'.
      case 'ping':
      case 'restart':
        return NOTHING;
      case 'error': {
        const reported: ClientChannelEffect = { type: 'server-error', error: message };
        if (message.ref !== undefined) return [reported, { type: 'publish-refused', ref: message.ref, code: message.code, message: message.message }];
        return message.channel === undefined ? [reported] : [reported, deliver(message.channel, message)];
      }
    }
  }

  private live(message: SubscribedMessage): readonly ClientChannelEffect[] {
    const state = this.channels.get(message.channel);
    if (state === undefined) return NOTHING;
    // Everything up to the head has been delivered (replayed, or there was nothing).
    state.lastId = message.headId;
    const since = state.resumeFrom;
    const gap = state.gap;
    state.resumeFrom = undefined;
    state.gap = undefined;
    const delivered = deliver(message.channel, message);
    if (since === undefined) return [delivered];
    return [delivered, { type: 'resume', channel: message.channel, since, lossy: gap !== undefined, gap }];
  }
}

function deliver(channel: string, event: ChannelEvent): ClientChannelEffect {
  return { type: 'deliver', channel, event };
}
