// Presence across processes on the Redis hub. Every connection is an entry with a deadline;
// the process holding it pushes the deadline on every `refreshIntervalMs`, and every process
// sweeps entries past theirs in the same tick. A process that dies without leaving (SIGKILL,
// a lost machine) stops refreshing, so its members leave within `ttlMs` plus one interval,
// announced once: the sweep removes an entry and publishes the leave in one atomic script,
// so of several processes sweeping, exactly one finds it.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { asError } from '../../protocol/errors.js';
import { HubClosedError, HubInputError, formatMessageId, isValidEpoch } from '../../protocol/hub/contract.js';
import { positiveInteger } from '../../protocol/integer-option.js';
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
import { encodeBody } from '../redis-message-codec.js';
import { redisHubInternals, type RedisHub, type RedisHubInternals } from '../redis-hub.js';
import { luaScript, runScript, type LuaScript } from '../redis-scripts.js';
import { withTimeout } from '../with-timeout.js';
import { JOIN_SCRIPT, LEAVE_SCRIPT, MEMBERS_SCRIPT, REFRESH_SCRIPT, SWEEP_SCRIPT } from './redis-presence-scripts.js';

/** The timer functions the store uses, injectable for tests. */
export interface PresenceTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RedisPresenceOptions extends Partial<PresenceLimits> {
  /** A connection not refreshed for this long is swept out. Default 30 000 ms. */
  readonly ttlMs?: number;
  /** How often this process refreshes its connections and sweeps expired ones. Default 10 000 ms; must be below `ttlMs`. */
  readonly refreshIntervalMs?: number;
  /** Most expired entries one sweep removes (the next tick takes the rest). Default 1 000. */
  readonly sweepBatch?: number;
  /** Told about a refresh or sweep that failed (Redis down); the next tick tries again. */
  readonly onError?: (error: Error) => void;
  /** Default the global `setInterval` / `clearInterval`, unref'd. */
  readonly timers?: PresenceTimers;
}

interface Held {
  readonly room: string;
  readonly connection: string;
  readonly member: PresenceMember;
}

const JOIN = luaScript(JOIN_SCRIPT);
const LEAVE = luaScript(LEAVE_SCRIPT);
const REFRESH = luaScript(REFRESH_SCRIPT);
const SWEEP = luaScript(SWEEP_SCRIPT);
const MEMBERS = luaScript(MEMBERS_SCRIPT);

const globalTimers: PresenceTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class RedisPresence implements Presence {
  readonly limits: PresenceLimits;
  readonly ttlMs: number;
  readonly refreshIntervalMs: number;
  private readonly sweepBatch: number;
  private readonly hub: RedisHubInternals;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly timers: PresenceTimers;
  private readonly timer: unknown;
  /** This process's connections, by deadline entry: what it refreshes and leaves on close. */
  private readonly held = new Map<string, Held>();
  /** One-shot sweeps due when a member's linger ends, so its leave is not late by up to an interval. */
  private readonly lingerSweeps = new Set<unknown>();
  private ticking = false;
  private closed = false;

  constructor(hub: RedisHub, options: RedisPresenceOptions = {}) {
    const internals = redisHubInternals(hub);
    if (internals === undefined) throw new HubInputError('RedisPresence needs a RedisHub');
    this.hub = internals;
    this.limits = resolvePresenceLimits(options);
    this.ttlMs = positiveInteger(options.ttlMs ?? 30_000, 'ttlMs');
    this.refreshIntervalMs = positiveInteger(options.refreshIntervalMs ?? 10_000, 'refreshIntervalMs');
    if (this.refreshIntervalMs >= this.ttlMs) throw new RangeError(`refreshIntervalMs (${this.refreshIntervalMs}) must be below ttlMs (${this.ttlMs})`);
    this.sweepBatch = positiveInteger(options.sweepBatch ?? 1000, 'sweepBatch');
    this.onError = options.onError;
    this.timers = options.timers ?? globalTimers;
    this.timer = this.timers.setInterval(() => void this.tick(), this.refreshIntervalMs);
  }

  get channelPrefix(): string {
    return this.limits.channelPrefix;
  }

  channelOf(room: string): string {
    return presenceChannel(room, this.limits);
  }

  /** As `Presence.join`; when Redis fails (HubUnavailableError) the join is retried by the next refresh until a `leave`. */
  async join(room: string, connection: string, member: PresenceMember): Promise<void> {
    this.assertOpen();
    presenceChannel(room, this.limits);
    validateConnectionId(connection);
    const entry = deadlineEntry(room, connection);
    const held: Held = { room, connection, member };
    const previous = this.held.get(entry);
    // Recorded before the script runs, so a leave called meanwhile removes it and a refresh
    // cannot join it again behind that leave's back.
    this.held.set(entry, held);
    try {
      await this.runJoin(held);
    } catch (error) {
      // A refused join changes nothing, so a connection already in keeps being refreshed.
      // One that failed on Redis stays held: the next refresh finds it missing and joins it.
      if (error instanceof HubInputError && this.held.get(entry) === held) {
        if (previous === undefined) this.held.delete(entry);
        else this.held.set(entry, previous);
      }
      throw error;
    }
  }

  async leave(room: string, connection: string): Promise<void> {
    this.assertOpen();
    presenceChannel(room, this.limits);
    validateConnectionId(connection);
    this.held.delete(deadlineEntry(room, connection));
    await this.runLeave(room, connection);
  }

  async members(room: string): Promise<PresenceSnapshot> {
    this.assertOpen();
    const channel = presenceChannel(room, this.limits);
    const reply = await this.run('members', MEMBERS, [room, String(this.sweepBatch)]);
    if (!Array.isArray(reply) || !isValidEpoch(reply[0]) || typeof reply[1] !== 'string' || !/^(0|[1-9][0-9]*)$/.test(reply[1]) || !Array.isArray(reply[2])) {
      throw new HubUnavailableError('Redis presence members script gave an unexpected reply');
    }
    const members = (reply[2] as unknown[]).map((json) => JSON.parse(String(json)) as PresenceMember);
    return { room, channel, headId: formatMessageId(reply[0] as string, Number(reply[1])), members };
  }

  /** Connections this process holds, in every room (for tests and monitoring). */
  get connectionCount(): number {
    return this.held.size;
  }

  /**
   * Refreshes this process's connections (joining again any that were swept while it
   * stalled) and sweeps expired ones of every process. Runs on the timer; callable for tests.
   */
  async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      await this.refresh();
      await this.run('sweep', SWEEP, [String(this.sweepBatch)]);
    } catch (error) {
      this.onError?.(asError(error));
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Stops the timers and leaves every connection this process holds (best effort). Members
   * left lingering are announced by the sweep of any process still running, or of the
   * next one to start (and `members()` sweeps first, so never lists them once due).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearInterval(this.timer);
    for (const timer of this.lingerSweeps) this.timers.clearTimeout(timer);
    this.lingerSweeps.clear();
    const held = [...this.held.values()];
    this.held.clear();
    await Promise.all(held.map(({ room, connection }) => this.runLeave(room, connection).catch(() => {})));
  }

  private async runLeave(room: string, connection: string): Promise<void> {
    const delay = this.limits.leaveDelayMs;
    const result = await this.run('leave', LEAVE, [room, connection, delay > 0 ? String(this.hub.now() + delay) : '']);
    if (result !== 'lingering' || this.closed) return;
    const timer = this.timers.setTimeout(() => {
      this.lingerSweeps.delete(timer);
      this.run('sweep', SWEEP, [String(this.sweepBatch)]).catch((error: unknown) => this.onError?.(asError(error)));
    }, delay + 1);
    this.lingerSweeps.add(timer);
  }

  private async refresh(): Promise<void> {
    const entries = [...this.held.entries()];
    // A bounded number of arguments per call, however many connections the process holds.
    for (let start = 0; start < entries.length; start += 1000) {
      const batch = entries.slice(start, start + 1000);
      const missing = await this.run('refresh', REFRESH, [String(this.hub.now() + this.ttlMs), ...batch.map(([entry]) => entry)]);
      if (!Array.isArray(missing)) throw new HubUnavailableError('Redis presence refresh script gave an unexpected reply');
      for (const index of missing) {
        const [entry, held] = batch[Number(index) - 1] ?? [];
        // Only if it is still held: a leave since the batch was taken must win.
        if (entry === undefined || this.held.get(entry) !== held) continue;
        await this.runJoin(held!).catch((error: unknown) => {
          // The room filled up meanwhile, say: this connection is out, and stays out.
          if (this.held.get(entry) === held) this.held.delete(entry);
          this.onError?.(asError(error));
        });
      }
    }
  }

  private async runJoin(held: Held): Promise<void> {
    const { id, json } = encodeMember(held.member, this.limits);
    const reply = await this.run('join', JOIN, [
      held.room,
      held.connection,
      id,
      json,
      encodeBody({ data: presenceEventData('join', json) }),
      encodeBody({ data: presenceEventData('update', json) }),
      encodeBody({ data: leaveEventData(id) }),
      String(this.hub.now() + this.ttlMs),
      String(this.limits.maxMembersPerRoom),
      String(this.limits.maxConnectionsPerMember),
    ]);
    const status = Array.isArray(reply) ? reply[0] : undefined;
    if (status === 'ok') return;
    if (status === 'conflict') throw new HubInputError(`connection is already in the room as another member (${JSON.stringify(String((reply as unknown[])[1]))})`);
    if (status === 'full') throw new HubInputError(`room is full (maxMembersPerRoom ${this.limits.maxMembersPerRoom})`);
    if (status === 'too-many-connections') {
      throw new HubInputError(`member has too many connections in the room (maxConnectionsPerMember ${this.limits.maxConnectionsPerMember})`);
    }
    throw new HubUnavailableError('Redis presence join script gave an unexpected reply');
  }

  private async run(what: string, script: LuaScript, args: string[]): Promise<unknown> {
    const { commander, keyPrefix, maxHistory, maxHistoryAgeMs, commandTimeoutMs, now } = this.hub;
    const common = [keyPrefix, this.limits.channelPrefix, randomBytes(6).toString('hex'), String(now()), String(maxHistory), String(maxHistoryAgeMs)];
    try {
      return await withTimeout(runScript(commander, script, [], [...common, ...args]), commandTimeoutMs, `presence ${what}`);
    } catch (error) {
      if (error instanceof HubUnavailableError) throw error;
      throw new HubUnavailableError(`Redis presence ${what} failed: ${asError(error).message}`, { cause: error });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new HubClosedError('presence closed');
  }
}

/** The sorted-set member of a connection: the room's length in UTF-8 bytes (as Lua counts), the room, the connection. */
function deadlineEntry(room: string, connection: string): string {
  return `${Buffer.byteLength(room)}:${room}${connection}`;
}
