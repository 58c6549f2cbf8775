/**
 * Bounds the zlib work in flight in the whole process, as `ws` does: each
 * compression or decompression runs on libuv's small thread pool and holds its
 * buffers while it waits, so thousands of connections compressing at once
 * would queue there anyway, with their memory. Jobs past the limit wait here,
 * in order.
 */
export class ZlibLimiter {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly concurrency: number) {
    if (!(Number.isInteger(concurrency) && concurrency > 0)) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  /** Jobs started and not yet done. */
  get running(): number {
    return this.#running;
  }

  /** Runs `job` now or once a slot frees; it calls `done` exactly once when finished. */
  run(job: (done: () => void) => void): void {
    if (this.#running >= this.concurrency) {
      this.#waiting.push(() => this.run(job));
      return;
    }
    this.#running++;
    let finished = false;
    job(() => {
      if (finished) return;
      finished = true;
      this.#running--;
      this.#waiting.shift()?.();
    });
  }
}

/** The process's limiters, one per concurrency asked for (in practice one). */
const limiters = new Map<number, ZlibLimiter>();

export function zlibLimiter(concurrency: number): ZlibLimiter {
  let limiter = limiters.get(concurrency);
  if (limiter === undefined) limiters.set(concurrency, (limiter = new ZlibLimiter(concurrency)));
  return limiter;
}
