// Presence for one process: a roster per room in memory, its changes published through the
// hub on the room's presence channel. With MemoryHub a change and its publish happen in one
// synchronous step, so a snapshot and the channel's head always agree. Connections die
// with the process, so nothing here expires.
import { HubClosedError, HubInputError, type Hub } from '../../protocol/hub/contract.js';
import { positiveInteger } from '../../protocol/integer-option.js';
import { PresenceRoster, type RosterAnnouncement } from '../../protocol/hub/presence-roster.js';
import {
  encodeMember,
  leaveEventData,
  presenceChannel,
  presenceEventData,
  resolvePresenceLimits,
  validateConnectionId,
  type Presence,
  type PresenceLimits,
  type PresenceMember,
  type PresenceSnapshot,
} from '../../protocol/hub/presence.js';
import { HubUnavailableError } from '../hub-unavailable-error.js';

export interface MemoryPresenceOptions extends Partial<PresenceLimits> {
  /** Rooms with members at once; a join into one more is refused. Default 10 000. */
  readonly maxRooms?: number;
}

export class MemoryPresence implements Presence {
  readonly limits: PresenceLimits;
  private readonly maxRooms: number;
  private readonly rooms = new Map<string, PresenceRoster>();
  /** Pending linger timers (`leaveDelayMs`), cleared on close. */
  private readonly lingering = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly hub: Hub,
    options: MemoryPresenceOptions = {},
  ) {
    this.limits = resolvePresenceLimits(options);
    this.maxRooms = positiveInteger(options.maxRooms ?? 10_000, 'maxRooms');
  }

  get channelPrefix(): string {
    return this.limits.channelPrefix;
  }

  channelOf(room: string): string {
    return presenceChannel(room, this.limits);
  }

  async join(room: string, connection: string, member: PresenceMember): Promise<void> {
    this.assertOpen();
    const channel = presenceChannel(room, this.limits);
    validateConnectionId(connection);
    const { id, json } = encodeMember(member, this.limits);
    let roster = this.rooms.get(room);
    if (roster === undefined) {
      if (this.rooms.size >= this.maxRooms) throw new HubInputError(`too many rooms (maxRooms ${this.maxRooms})`);
      roster = new PresenceRoster(this.limits);
      this.rooms.set(room, roster);
    }
    let change: RosterAnnouncement | null;
    try {
      change = roster.join(connection, id, json);
    } finally {
      if (roster.memberCount === 0) this.rooms.delete(room);
    }
    if (change !== null) await this.announce(channel, change);
  }

  async leave(room: string, connection: string): Promise<void> {
    this.assertOpen();
    const channel = presenceChannel(room, this.limits);
    validateConnectionId(connection);
    await this.leaveUnchecked(room, channel, connection);
  }

  async members(room: string): Promise<PresenceSnapshot> {
    this.assertOpen();
    const channel = presenceChannel(room, this.limits);
    // The `live` marker carries the channel's head; the roster is read in the same step
    // (MemoryHub delivers it synchronously), or just after for a hub that does not, which
    // errs on the safe side: events after the head are re-applied, never missed.
    let snapshot: PresenceSnapshot | undefined;
    const subscription = await this.hub.subscribe(channel, (event) => {
      if (event.type === 'live' && snapshot === undefined) snapshot = { room, channel, headId: event.headId, members: this.memberList(room) };
    });
    await subscription.unsubscribe();
    if (snapshot === undefined) throw new HubUnavailableError('the hub did not report the presence channel head');
    return snapshot;
  }

  /** Connections currently held in `room` (for tests and monitoring). */
  connectionCount(room: string): number {
    return this.rooms.get(room)?.connectionCount ?? 0;
  }

  /** Announces every member's leave at once (lingering ones too) and stops the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.lingering) clearTimeout(timer);
    this.lingering.clear();
    const leaves: Promise<void>[] = [];
    for (const [room, roster] of this.rooms) {
      const channel = presenceChannel(room, this.limits);
      for (const json of roster.memberJsons()) {
        const { id } = JSON.parse(json) as PresenceMember;
        leaves.push(this.announce(channel, { type: 'leave', id }).catch(() => {}));
      }
    }
    this.rooms.clear();
    await Promise.all(leaves);
  }

  private async leaveUnchecked(room: string, channel: string, connection: string): Promise<void> {
    const roster = this.rooms.get(room);
    if (roster === undefined) return;
    const change = roster.leave(connection, this.limits.leaveDelayMs > 0);
    if (change?.type === 'linger') {
      const timer = setTimeout(() => {
        this.lingering.delete(timer);
        const expired = roster.expire(change.id, change.token);
        if (roster.memberCount === 0 && this.rooms.get(room) === roster) this.rooms.delete(room);
        // Nobody awaits a timer: a hub failing now is reported by the hub's own subscribers.
        if (expired !== null) this.announce(channel, expired).catch(() => {});
      }, this.limits.leaveDelayMs);
      timer.unref();
      this.lingering.add(timer);
      return;
    }
    if (roster.memberCount === 0) this.rooms.delete(room);
    if (change !== null) await this.announce(channel, change);
  }

  private memberList(room: string): PresenceMember[] {
    return (this.rooms.get(room)?.memberJsons() ?? []).map((json) => JSON.parse(json) as PresenceMember);
  }

  private async announce(channel: string, change: RosterAnnouncement): Promise<void> {
    const data = change.type === 'leave' ? leaveEventData(change.id) : presenceEventData(change.type, change.json);
    await this.hub.publish(channel, { data });
  }

  private assertOpen(): void {
    if (this.closed) throw new HubClosedError('presence closed');
  }
}
