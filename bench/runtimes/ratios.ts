// The statistics of bench:runtimes, shared by the run (main.ts) and the docs' tables (report.ts).

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * How much of `b` server `a` does: the median over rounds of the ratio of their figures
 * in the same round (throughput a ÷ b; memory b ÷ a, so above 1 always favours `a`).
 * A round measures a row on every server back to back, seconds apart, so a change in the
 * machine's speed between rounds cancels out of each round's ratio, which a ratio of
 * medians taken in different rounds would keep. Undefined unless both have every round.
 */
export function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined, higherIsBetter: boolean): number | undefined {
  if (!a || !b || a.length === 0 || a.length !== b.length) return undefined;
  return median(a.map((x, i) => (higherIsBetter ? x / b[i]! : b[i]! / x)));
}

/** `pairedRatio` as the tables print it: `0.93×`, or `–` when it cannot be taken. */
export function formatPairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined, higherIsBetter: boolean): string {
  const paired = pairedRatio(a, b, higherIsBetter);
  return paired === undefined ? '–' : `${paired.toFixed(2)}×`;
}
