// Model-based test of presence's reference counting: any sequence of joins (several
// connections per member, info changes, conflicting reuse of a connection), leaves (with
// and without lingering) and linger expiries gives exactly the announcements of a plain
// model (a member appears on its first connection, disappears on its last unless it
// lingers, and a linger ends it only if nothing joined since), and the same member set.
// The same sequences run against MemoryPresence and RedisPresence, whose published event
// streams and final snapshots must match the model too.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubInputError } from '../../../src/protocol/hub/contract.js';
import { PresenceRoster, type RosterChange } from '../../../src/protocol/hub/presence-roster.js';
import { MemoryHub, MemoryPresence, RedisPresence, parsePresenceEvent, type Hub, type Presence, type SubscriptionEvent } from '../../../src/hub/index.js';
import { connectPair, deleteKeys, redisHub, uniquePrefix, type RedisPair } from '../../support/redis.js';
import { waitFor } from '../../support/sse/net.js';

const LIMITS = { maxMembersPerRoom: 2, maxConnectionsPerMember: 2 };

type Command =
  | { readonly type: 'join'; readonly connection: number; readonly member: number; readonly info: number }
  | { readonly type: 'leave'; readonly connection: number; readonly linger: boolean }
  | { readonly type: 'expire'; readonly pick: number };

const commands = (linger: boolean): fc.Arbitrary<Command[]> =>
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('join' as const), connection: fc.nat(4), member: fc.nat(2), info: fc.nat(1) }),
      fc.record({ type: fc.constant('leave' as const), connection: fc.nat(4), linger: linger ? fc.boolean() : fc.constant(false) }),
      ...(linger ? [fc.record({ type: fc.constant('expire' as const), pick: fc.nat(9) })] : []),
    ),
    { maxLength: 40 },
  );

const memberJson = (member: number, info: number): string => JSON.stringify({ id: `m${member}`, info });

/** The plain model: who holds which connection, each member's info, who lingers under which token. */
class Model {
  readonly connections = new Map<number, number>();
  readonly info = new Map<number, number>();
  readonly lingering = new Map<number, number>();
  readonly tokens: { member: number; token: number }[] = [];
  readonly announced: string[] = [];
  private issued = 0;

  private countOf(member: number): number {
    return [...this.connections.values()].filter((m) => m === member).length;
  }

  /** What the command must return: 'error', null, or the change. */
  apply(command: Command): 'error' | null | { type: string; id: string; json?: string } {
    switch (command.type) {
      case 'join': {
        const { connection, member, info } = command;
        const current = this.connections.get(connection);
        if (current !== undefined && current !== member) return 'error';
        if (!this.info.has(member)) {
          if (this.info.size >= LIMITS.maxMembersPerRoom) return 'error';
          this.connections.set(connection, member);
          this.info.set(member, info);
          return this.announce({ type: 'join', id: `m${member}`, json: memberJson(member, info) });
        }
        if (current === undefined) {
          if (this.countOf(member) >= LIMITS.maxConnectionsPerMember) return 'error';
          this.connections.set(connection, member);
          this.lingering.delete(member);
        }
        if (this.info.get(member) === info) return null;
        this.info.set(member, info);
        return this.announce({ type: 'update', id: `m${member}`, json: memberJson(member, info) });
      }
      case 'leave': {
        const member = this.connections.get(command.connection);
        if (member === undefined) return null;
        this.connections.delete(command.connection);
        if (this.countOf(member) > 0) return null;
        if (command.linger) {
          const token = ++this.issued;
          this.lingering.set(member, token);
          this.tokens.push({ member, token });
          return { type: 'linger', id: `m${member}` };
        }
        this.info.delete(member);
        return this.announce({ type: 'leave', id: `m${member}` });
      }
      case 'expire': {
        const picked = this.tokens[command.pick % Math.max(1, this.tokens.length)];
        if (picked === undefined || this.lingering.get(picked.member) !== picked.token) return null;
        this.lingering.delete(picked.member);
        this.info.delete(picked.member);
        return this.announce({ type: 'leave', id: `m${picked.member}` });
      }
    }
  }

  private announce(change: { type: string; id: string; json?: string }): { type: string; id: string; json?: string } {
    this.announced.push(`${change.type} ${change.id}`);
    return change;
  }

  members(): string[] {
    return [...this.info.keys()].map((member) => `m${member}`).sort();
  }
}

describe('PresenceRoster against the model', () => {
  it('announces exactly what the model does and holds the same members', () => {
    fc.assert(
      fc.property(commands(true), (sequence) => {
        const model = new Model();
        const roster = new PresenceRoster(LIMITS);
        const tokens = new Map<number, number>(); // model token -> roster token
        for (const command of sequence) {
          const before = model.tokens.length;
          const expected = model.apply(command);
          let actual: RosterChange | null | 'error';
          try {
            if (command.type === 'join') actual = roster.join(`c${command.connection}`, `m${command.member}`, memberJson(command.member, command.info));
            else if (command.type === 'leave') actual = roster.leave(`c${command.connection}`, command.linger);
            else {
              const picked = model.tokens[command.pick % Math.max(1, model.tokens.length)];
              actual = picked === undefined ? null : roster.expire(`m${picked.member}`, tokens.get(picked.token)!);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(HubInputError);
            actual = 'error';
          }
          if (actual !== null && actual !== 'error' && actual.type === 'linger') {
            tokens.set(model.tokens[before].token, actual.token);
            expect(expected).toEqual({ type: 'linger', id: actual.id });
          } else {
            expect(actual).toEqual(expected);
          }
          expect(roster.memberCount).toBe(model.members().length);
          expect(roster.connectionCount).toBe(model.connections.size);
        }
        expect(roster.memberJsons().map((json) => (JSON.parse(json) as { id: string }).id).sort()).toEqual(model.members());
      }),
      { numRuns: 500 },
    );
  });
});

// ---- The stores, driven by the same sequences (no linger: leaveDelayMs 0) ----

let pair: RedisPair | undefined;
beforeAll(async () => {
  pair = await connectPair();
});
afterAll(async () => {
  await pair?.close();
});

interface Store {
  readonly hub: Hub;
  readonly presence: Presence;
  close(): Promise<void>;
}

const stores: [string, () => Store, number][] = [
  [
    'MemoryPresence',
    () => {
      const hub = new MemoryHub();
      const presence = new MemoryPresence(hub, { ...LIMITS, leaveDelayMs: 0 });
      return { hub, presence, close: async () => void (await hub.close()) };
    },
    100,
  ],
  [
    'RedisPresence',
    () => {
      const keyPrefix = uniquePrefix('presence-model');
      const hub = redisHub(pair!, { keyPrefix });
      const presence = new RedisPresence(hub, { ...LIMITS, leaveDelayMs: 0 });
      return {
        hub,
        presence,
        close: async () => {
          await presence.close();
          await hub.close();
          await deleteKeys(pair!.client, keyPrefix);
        },
      };
    },
    25,
  ],
];

describe.each(stores)('%s against the model', (_name, create, numRuns) => {
  it('publishes the model announcements in order and lists the model members', async () => {
    await fc.assert(
      fc.asyncProperty(commands(false), async (sequence) => {
        const store = create();
        try {
          const model = new Model();
          const seen: string[] = [];
          await store.hub.subscribe(store.presence.channelOf('room'), (event: SubscriptionEvent) => {
            if (event.type !== 'message') return;
            const parsed = parsePresenceEvent(event.message.data)!;
            seen.push(`${parsed.type} ${parsed.member.id}`);
          });
          for (const command of sequence) {
            const expected = model.apply(command);
            let failed = false;
            try {
              if (command.type === 'join') await store.presence.join('room', `c${command.connection}`, { id: `m${command.member}`, info: command.info });
              else if (command.type === 'leave') await store.presence.leave('room', `c${command.connection}`);
            } catch (error) {
              expect(error).toBeInstanceOf(HubInputError);
              failed = true;
            }
            expect(failed).toBe(expected === 'error');
          }
          const snapshot = await store.presence.members('room');
          expect(snapshot.members.map((member) => member.id).sort()).toEqual(model.members());
          await waitFor(() => seen.length >= model.announced.length, 'the announcements', 3000);
          expect(seen).toEqual(model.announced);
        } finally {
          await store.close();
        }
      }),
      { numRuns },
    );
  });
});
