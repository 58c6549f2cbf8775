// The reference counting behind presence, for one room: connections map to members, and a
// member is present while it has at least one connection. Only the first connection in and
// the last one out change the member set, so a reconnect (the new session joins before or
// after the old one leaves) never shows the member leaving. The Redis store runs the same
// rules in Lua (src/hub/presence/redis-presence-scripts.ts); the model test holds both to it.
import { HubInputError } from './contract.js';
import type { PresenceLimits } from './presence.js';

/** A change of the member set (or of a member's info) that must be announced. */
export type RosterChange =
  | { readonly type: 'join' | 'update'; readonly id: string; readonly json: string }
  | { readonly type: 'leave'; readonly id: string };

interface MemberState {
  json: string;
  connections: number;
}

export class PresenceRoster {
  /** Connection id → member id. */
  private readonly connections = new Map<string, string>();
  private readonly members = new Map<string, MemberState>();

  constructor(private readonly limits: Pick<PresenceLimits, 'maxMembersPerRoom' | 'maxConnectionsPerMember'>) {}

  get memberCount(): number {
    return this.members.size;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  connectionIds(): string[] {
    return [...this.connections.keys()];
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
  join(connection: string, id: string, json: string): RosterChange | null {
    const current = this.connections.get(connection);
    if (current !== undefined && current !== id) throw new HubInputError(`connection is already in the room as another member (${JSON.stringify(current)})`);
    const member = this.members.get(id);
    if (member === undefined) {
      if (this.members.size >= this.limits.maxMembersPerRoom) throw new HubInputError(`room is full (maxMembersPerRoom ${this.limits.maxMembersPerRoom})`);
      this.connections.set(connection, id);
      this.members.set(id, { json, connections: 1 });
      return { type: 'join', id, json };
    }
    if (current === undefined) {
      if (member.connections >= this.limits.maxConnectionsPerMember) {
        throw new HubInputError(`member has too many connections in the room (maxConnectionsPerMember ${this.limits.maxConnectionsPerMember})`);
      }
      this.connections.set(connection, id);
      member.connections++;
    }
    if (member.json === json) return null;
    member.json = json;
    return { type: 'update', id, json };
  }

  /** Removes `connection`; `leave` when it was its member's last one, null otherwise (or when absent). */
  leave(connection: string): RosterChange | null {
    const id = this.connections.get(connection);
    if (id === undefined) return null;
    this.connections.delete(connection);
    const member = this.members.get(id)!;
    if (--member.connections > 0) return null;
    this.members.delete(id);
    return { type: 'leave', id };
  }
}
