import fc from 'fast-check';

/**
 * One fuzz target: a fast-check property whose only acceptable outcomes are the
 * documented ones. Anything else it throws (an unexpected exception, a broken
 * invariant) is a finding.
 */
export interface FuzzTarget {
  readonly name: string;
  /** What the target feeds and what it checks, for the report. */
  readonly description: string;
  /** Share of the campaign's runs, relative to the other targets. */
  readonly weight: number;
  /** Runs the property; `timing` is told each input's start and end. */
  run(seed: number, numRuns: number, timing: RunTiming): fc.RunDetails<unknown>;
}

export interface RunTiming {
  start(): void;
  /** Told the input, so that the slowest one can be kept for a second look. */
  end(input: unknown): void;
}

/** A target from one arbitrary and a check that throws on anything unacceptable. */
export function defineTarget<T>(meta: Pick<FuzzTarget, 'name' | 'description' | 'weight'>, input: fc.Arbitrary<T>, predicate: (value: T) => void): FuzzTarget {
  return {
    ...meta,
    run(seed, numRuns, timing) {
      const property = fc.property(input, (value) => {
        timing.start();
        try {
          predicate(value);
        } finally {
          timing.end(value);
        }
      });
      return fc.check(property, { seed, numRuns }) as fc.RunDetails<unknown>;
    },
  };
}

/** A broken invariant: thrown by a property, reported as a finding. */
export class Finding extends Error {
  override readonly name = 'Finding';
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Finding(message);
}

/** Splits bytes at the given points (any order, any repeats, any range). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    out.push(bytes.subarray(start, point));
    start = point;
  }
  out.push(bytes.subarray(start));
  return out;
}
