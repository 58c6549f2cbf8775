/**
 * Fairness between the peers of one process: at most a budget of frames is read
 * from each peer per turn of the event loop. Node may hand one socket many reads
 * in one turn, and a peer flooding tiny frames would otherwise be served to the
 * end of its flood before anyone else. What is left of a read waits for the next
 * turn (`setImmediate` runs after the turn's other I/O callbacks; on Deno it may
 * also wait for a timer, below).
 *
 * What a reader has read in this turn is a stamp the reader keeps (a small
 * integer: the turn's number and a frame count), not an entry here: a read costs
 * no lookup. Only readers with bytes waiting have an entry.
 */
export class ReadTurns<Reader> {
  /** The number of this turn, 1 to MAX_TURN, counting turns in which anyone read. */
  private turn = 1;
  private readonly deferred = new Map<Reader, Buffer>();
  /** Deferred reads of readers that paused meanwhile: they wait for `release`. */
  private readonly held = new Map<Reader, Buffer>();
  private scheduled = false;
  /** When a turn last ended after the runtime polled its sockets (Deno only). */
  private polledAt = 0;

  constructor(
    /** Called in a later turn with what was left of a reader's read. */
    private readonly resumeRead: (reader: Reader, rest: Buffer) => void,
  ) {}

  /** Frames read so far in this turn, by the reader that keeps `stamp` (0 when the stamp is of another turn). */
  framesUsed(stamp: number): number {
    return stamp >>> FRAME_BITS === this.turn ? stamp & FRAME_MASK : 0;
  }

  /**
   * The stamp for a reader that has read `frames` frames in all in this turn, of
   * `framesPerTurn`. The turn is ended (a `setImmediate`) only once someone has
   * used half a budget: most turns of a server read a few frames per peer and cost
   * no timer. A count may then carry over a few quiet turns, so a peer can be
   * held back after half its budget in a turn, never after more than all of it.
   */
  stamp(frames: number, framesPerTurn: number): number {
    if (frames * 2 > framesPerTurn) this.schedule();
    return (this.turn << FRAME_BITS) | Math.min(frames, FRAME_MASK);
  }

  /** Leaves `rest` of a read for the next turn, after whatever of the reader's already waits. */
  defer(reader: Reader, rest: Buffer): void {
    appendTo(this.deferred, reader, rest);
    this.schedule();
  }

  /** Keeps `rest` until `release`: its reader paused reading. */
  hold(reader: Reader, rest: Buffer): void {
    appendTo(this.held, reader, rest);
  }

  /** The reader resumed: what it held is read in the next turn. Returns whether anything was held. */
  release(reader: Reader): boolean {
    const rest = this.takeHeld(reader);
    if (rest === undefined) return false;
    this.defer(reader, rest);
    return true;
  }

  /** Takes back what `hold` kept, for the reader to read now. */
  takeHeld(reader: Reader): Buffer | undefined {
    const rest = this.held.get(reader);
    this.held.delete(reader);
    return rest;
  }

  forget(reader: Reader): void {
    this.deferred.delete(reader);
    this.held.delete(reader);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.endTurn(false));
  }

  private endTurn(polled: boolean): void {
    if (polled) this.polledAt = performance.now();
    else if (!IMMEDIATES_FOLLOW_POLL && this.waitsForPoll()) {
      setTimeout(() => this.endTurn(true), 0);
      return;
    }
    this.scheduled = false;
    this.turn = this.turn === MAX_TURN ? 1 : this.turn + 1;
    if (this.deferred.size === 0) return;
    const waiting = [...this.deferred];
    this.deferred.clear();
    for (const [reader, rest] of waiting) this.resumeRead(reader, rest);
  }

  /**
   * Deno only (below): whether the deferred reads must wait for the runtime to poll its
   * sockets, on a timer. They must when several peers wait (a flood: a peer not yet read
   * gets its turn among them), or when one has gone on for a millisecond without a poll.
   * A lone bulk sender otherwise goes on at once: a timer costs about 2 ms on Deno, and
   * waiting for one every turn cut a single client's tiny messages from 3.6 million a
   * second to 114,000.
   */
  private waitsForPoll(): boolean {
    const waiting = this.deferred.size;
    return waiting > 1 || (waiting === 1 && performance.now() - this.polledAt > POLL_AT_LEAST_EVERY_MS);
  }
}

/**
 * How a turn ends. On Node an immediate runs after the loop has polled for I/O, so
 * every peer's new bytes are read before the deferred rests. Deno polls its sockets
 * only every 61 or so ready tasks while immediates keep coming (a reader in the same
 * process saw its first byte after 62 setImmediate turns of a writer:
 * test/runtimes/deno-repros/setimmediate-starves-reads.mjs), so a flood's deferred
 * rests were served dozens of budgets before another peer's frame was even read.
 * There a turn waits for a timer when it must (`waitsForPoll`): Deno fires timers only
 * once it has polled, timers and sockets together.
 */
const IMMEDIATES_FOLLOW_POLL = process.versions.deno === undefined;
const POLL_AT_LEAST_EVERY_MS = 1;

// A stamp is a small integer (below 2^30): the turn in its high bits, the frames in its low 16.
// A count saturates at 65,535; turn numbers wrap after 16,383 turns, and a stamp that old
// and of the same number only costs its reader one turn of budget.
const FRAME_BITS = 16;
const FRAME_MASK = 0xffff;
const MAX_TURN = 0x3fff;

/** Bytes that wait keep their order: a later read goes behind an earlier one (rare: reading is paused meanwhile). */
function appendTo<Reader>(waiting: Map<Reader, Buffer>, reader: Reader, rest: Buffer): void {
  const before = waiting.get(reader);
  waiting.set(reader, before === undefined ? rest : Buffer.concat([before, rest]));
}
