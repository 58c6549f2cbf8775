// The reference counting behind presence, for one room: connections map to members, and a
// member is present while it has at least one connection. Only the first connection in and
// the last one out change the member set, so a reconnect whose new session joins before the
// old one leaves never shows the member leaving. One that joins after it does is covered by
// lingering: the last one out may leave the member in place for a grace period (the
// caller's timer), and a connection joining meanwhile keeps it without any event. The Redis store runs the same
// rules in Lua (src/hub/presence/redis-presence-scripts.ts); the model test holds both to it.
import { HubInputError } from './contract.js';
import type { PresenceLimits } from './presence.js';

/** A change of the member set (or of a member's info) that must be announced. */
export type RosterAnnouncement =
  | { readonly type: 'join' | 'update'; readonly id: string; readonly json: string }
  | { readonly type: 'leave'; readonly id: string };

export type RosterChange =
  | RosterAnnouncement
  /** Not announced: the member has no connection left and leaves on `expire(id, token)` unless one joins first. */
  | { readonly type: 'linger'; readonly id: string; readonly token: number };

interface MemberState {
  json: string;
  connections: number;
  /** Which linger `expire` may end; a newer one (or a join) makes an older timer's call a no-op. */
  lingerToken: number;
}

export class PresenceRoster {
  /** Connection id → member id. */
  private readonly connections = new Map<string, string>();
  private readonly members = new Map<string, MemberState>();
  private tokens = 0;

  constructor(private readonly limits: Pick<PresenceLimits, 'maxMembersPerRoom' | 'maxConnectionsPerMember'>) {}

  get memberCount(): number {
    return this.members.size;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Member JSON texts, in order of arrival. */
  memberJsons(): string[] {
    return [...this.members.values()].map((member) => member.json);
  }

  /**
   * Adds `connection` as member `id` (JSON `json`). Returns the change to announce: `join`
   * for the member's first connection, `update` when its info changed, null otherwise.
   * Throws HubInputError, changing nothing, past a limit or for a connection already
   * joined as another member.
   */
  join(connection: string, id: string, json: string): RosterAnnouncement | null {
    const current = this.connections.get(connection);
    if (current !== undefined && current !== id) throw new HubInputError(`connection is already in the room as another member (${JSON.stringify(current)})`);
    const member = this.members.get(id);
    if (member === undefined) {
      if (this.members.size >= this.limits.maxMembersPerRoom) throw new HubInputError(`room is full (maxMembersPerRoom ${this.limits.maxMembersPerRoom})`);
      this.connections.set(connection, id);
      this.members.set(id, { json, connections: 1, lingerToken: 0 });
      return { type: 'join', id, json };
    }
    if (current === undefined) {
      if (member.connections >= this.limits.maxConnectionsPerMember) {
        throw new HubInputError(`member has too many connections in the room (maxConnectionsPerMember ${this.limits.maxConnectionsPerMember})`);
      }
      this.connections.set(connection, id);
      // Back before its linger ran out: it never left.
      if (member.connections++ === 0) member.lingerToken = 0;
    }
    if (member.json === json) return null;
    member.json = json;
    return { type: 'update', id, json };
  }

  /**
   * Removes `connection`. When it was its member's last: `leave`, or with `linger` the
   * member stays (listed, silent) and `linger` says which `expire` call ends it. Null
   * otherwise, or when the connection is not in the room.
   */
  leave(connection: string, linger = false): RosterChange | null {
    const id = this.connections.get(connection);
    if (id === undefined) return null;
    this.connections.delete(connection);
    const member = this.members.get(id)!;
    if (--member.connections > 0) return null;
    if (linger) {
      member.lingerToken = ++this.tokens;
      return { type: 'linger', id, token: member.lingerToken };
    }
    this.members.delete(id);
    return { type: 'leave', id };
  }

  /** The linger `token` of member `id` ran out: `leave` if it is still that linger, else null. */
  expire(id: string, token: number): RosterAnnouncement | null {
    const member = this.members.get(id);
    if (member === undefined || member.connections > 0 || member.lingerToken !== token) return null;
    this.members.delete(id);
    return { type: 'leave', id };
  }
}
