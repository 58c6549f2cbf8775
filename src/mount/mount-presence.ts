// Presence in the mount (docs/sessions.md, "Presence"): a session whose subscription to a
// room goes live joins the room, and leaves when that subscription ends (unsubscribe, hub
// failure, the session closing), on every transport alike. Each session is one presence
// connection. The store's calls for one session and room run one after another, so a
// leave never overtakes its join.
import { randomBytes } from 'node:crypto';
import { RedisHub } from '../hub/redis-hub.js';
import { MemoryPresence } from '../hub/presence/memory-presence.js';
import { RedisPresence } from '../hub/presence/redis-presence.js';
import { asError } from '../protocol/errors.js';
import type { Hub } from '../protocol/hub/contract.js';
import { isPresenceChannel, type Presence, type PresenceMember } from '../protocol/hub/presence.js';
import type { PubSubAuthorize, SessionPresence } from '../pubsub/pubsub-session.js';
import type { SwitchboardRequest } from './options.js';

/** The transport a session came in on, as `member` is told. */
export type SwitchboardTransport = 'websocket' | 'sse' | 'polling';

export interface SwitchboardPresenceOptions {
  /**
   * Who the session behind `request` is in `room` (the same `id` for all of one user's
   * sessions; `info` is what the others see, e.g. a name and `transport`). Undefined:
   * the session does not appear. Errors count as undefined (told to `onError`).
   */
  readonly member: (request: SwitchboardRequest, room: string, transport: SwitchboardTransport) => PresenceMember | undefined | Promise<PresenceMember | undefined>;
  /** Which channels are rooms with presence. Default: every channel. */
  readonly rooms?: (channel: string) => boolean;
  /**
   * Where presence lives. Default: a RedisPresence on the hub when it is a RedisHub (so
   * every process shares rooms), a MemoryPresence otherwise; closed by `close()`.
   */
  readonly store?: Presence;
}

interface SessionRooms {
  /** This session's presence connection id. */
  readonly connection: string;
  readonly transport: SwitchboardTransport;
  /** Rooms joined (or joining), to leave when the subscription ends. */
  readonly joined: Set<string>;
  /** The last store call per room; the next one waits for it. */
  readonly chains: Map<string, Promise<void>>;
}

export class MountPresence implements SessionPresence<SwitchboardRequest> {
  readonly store: Presence;
  readonly ownStore: boolean;
  private readonly isRoom: (channel: string) => boolean;
  private readonly sessions = new WeakMap<object, SessionRooms>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly options: SwitchboardPresenceOptions,
    hub: Hub,
    private readonly transportOf: (request: SwitchboardRequest) => SwitchboardTransport,
    private readonly onError: ((error: Error, request: SwitchboardRequest) => void) | undefined,
  ) {
    if (typeof options?.member !== 'function') throw new TypeError('presence.member must be a function');
    this.ownStore = options.store === undefined;
    this.store = options.store ?? (hub instanceof RedisHub ? new RedisPresence(hub) : new MemoryPresence(hub));
    const rooms = options.rooms ?? (() => true);
    const store = this.store;
    this.isRoom = (channel) => !isPresenceChannel(channel, store) && rooms(channel);
  }

  /** The room a presence channel follows, or undefined for any other channel. */
  roomOf(channel: string): string | undefined {
    const prefix = this.store.channelPrefix;
    if (!channel.startsWith(prefix)) return undefined;
    const room = channel.slice(prefix.length);
    return room.length > 0 && this.isRoom(room) ? room : undefined;
  }

  isPresenceRoom(room: string): boolean {
    return this.isRoom(room);
  }

  /**
   * `authorize`, extended to presence channels: nobody publishes on one, and subscribing to
   * a room's presence is what subscribing to the room is.
   */
  authorize(authorize: PubSubAuthorize<SwitchboardRequest> | undefined): PubSubAuthorize<SwitchboardRequest> {
    const prefix = this.store.channelPrefix;
    return (request, channel, action) => {
      if (!channel.startsWith(prefix)) return authorize === undefined ? true : authorize(request, channel, action);
      const room = this.roomOf(channel);
      if (action === 'publish' || room === undefined) return false;
      return authorize === undefined ? true : authorize(request, room, 'subscribe');
    };
  }

  joined(session: { readonly request: SwitchboardRequest }, channel: string): void {
    if (!this.isRoom(channel)) return;
    const rooms = this.roomsOf(session);
    rooms.joined.add(channel);
    this.chain(session, rooms, channel, async () => {
      const member = await this.options.member(session.request, channel, rooms.transport);
      if (member !== undefined && rooms.joined.has(channel)) await this.store.join(channel, rooms.connection, member);
    });
  }

  left(session: { readonly request: SwitchboardRequest }, channel: string): void {
    const rooms = this.sessions.get(session);
    if (rooms === undefined || !rooms.joined.delete(channel)) return;
    this.chain(session, rooms, channel, () => this.store.leave(channel, rooms.connection));
  }

  /** Waits for every store call made so far (a closing mount leaves its sessions before its hub goes). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.settled();
    if (this.ownStore) await this.store.close();
  }

  private roomsOf(session: { readonly request: SwitchboardRequest }): SessionRooms {
    let rooms = this.sessions.get(session);
    if (rooms === undefined) {
      rooms = { connection: randomBytes(12).toString('base64url'), transport: this.transportOf(session.request), joined: new Set(), chains: new Map() };
      this.sessions.set(session, rooms);
    }
    return rooms;
  }

  private chain(session: { readonly request: SwitchboardRequest }, rooms: SessionRooms, channel: string, step: () => Promise<void>): void {
    const next = (rooms.chains.get(channel) ?? Promise.resolve()).then(step).catch((error: unknown) => this.onError?.(asError(error), session.request));
    rooms.chains.set(channel, next);
    this.inFlight.add(next);
    void next.then(() => {
      this.inFlight.delete(next);
      if (rooms.chains.get(channel) === next) rooms.chains.delete(channel);
    });
  }
}
