/**
 * Fairness between the peers of one process: at most a budget of frames is read
 * from each peer per turn of the event loop. Node may hand one socket many reads
 * in one turn, and a peer flooding tiny frames would otherwise be served to the
 * end of its flood before anyone else. What is left of a read waits for the next
 * turn (`setImmediate` runs after the turn's other I/O callbacks).
 *
 * Only peers that read in this turn, or wait, have an entry: a quiet connection
 * costs nothing here.
 */
export class ReadTurns<Reader> {
  private readonly used = new Map<Reader, number>();
  private readonly deferred = new Map<Reader, Buffer>();
  /** Deferred reads of readers that paused meanwhile: they wait for `release`. */
  private readonly held = new Map<Reader, Buffer>();
  private scheduled = false;

  constructor(
    /** Called in a later turn with what was left of a reader's read. */
    private readonly resumeRead: (reader: Reader, rest: Buffer) => void,
  ) {}

  /** Frames read from `reader` so far in this turn. */
  framesUsed(reader: Reader): number {
    return this.used.get(reader) ?? 0;
  }

  record(reader: Reader, framesUsed: number): void {
    this.used.set(reader, framesUsed);
    this.schedule();
  }

  isDeferred(reader: Reader): boolean {
    return this.deferred.has(reader);
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
    const rest = this.held.get(reader);
    if (rest === undefined) return false;
    this.held.delete(reader);
    this.defer(reader, rest);
    return true;
  }

  forget(reader: Reader): void {
    this.deferred.delete(reader);
    this.held.delete(reader);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.endTurn());
  }

  private endTurn(): void {
    this.scheduled = false;
    this.used.clear();
    if (this.deferred.size === 0) return;
    const waiting = [...this.deferred];
    this.deferred.clear();
    for (const [reader, rest] of waiting) this.resumeRead(reader, rest);
  }
}

/** Bytes that wait keep their order: a later read goes behind an earlier one (rare: reading is paused meanwhile). */
function appendTo<Reader>(waiting: Map<Reader, Buffer>, reader: Reader, rest: Buffer): void {
  const before = waiting.get(reader);
  waiting.set(reader, before === undefined ? rest : Buffer.concat([before, rest]));
}
