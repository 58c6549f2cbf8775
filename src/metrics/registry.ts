// A small metrics registry with no dependency: counters, gauges and histograms, each a
// family of series told apart by label values, as Prometheus models them
// (https://prometheus.io/docs/concepts/metric_types/). A family may also be read at
// collection time from numbers kept elsewhere (`collect`): the library's hot paths add
// to plain numbers and the registry only looks at them when scraped.

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Readonly<Record<string, string>>;

/** One series of a counter or gauge: its labels and value. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** One series of a histogram: counts per upper bound (cumulative, as `le`), sum and count. */
export interface HistogramSample {
  readonly labels: Labels;
  /** Upper bounds, ascending, without +Inf; `counts[i]` observations were ≤ `bounds[i]`. */
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export type MetricFamily =
  | { readonly name: string; readonly help: string; readonly type: 'counter' | 'gauge'; readonly samples: readonly Sample[] }
  | { readonly name: string; readonly help: string; readonly type: 'histogram'; readonly samples: readonly HistogramSample[] };

export interface MetricOptions<L extends string> {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total` by convention. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Seconds: from half a millisecond to ten seconds, for latencies of a local network service. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Label values in the order of `labelNames`, joined: the key of a series. */
function keyOf(labelNames: readonly string[], labels: Partial<Record<string, string>> | undefined): string {
  if (labelNames.length === 0) return '';
  // One label, the common case: its value is the key, with no array made.
  if (labelNames.length === 1) {
    const value = labels?.[labelNames[0]];
    if (typeof value !== 'string') throw new TypeError(`label "${labelNames[0]}" needs a string value`);
    return value;
  }
  return labelNames.map((name) => {
    const value = labels?.[name];
    if (typeof value !== 'string') throw new TypeError(`label "${name}" needs a string value`);
    // NUL separates the values in the key: two series must not share one.
    if (value.includes('\u0000')) throw new TypeError(`label "${name}" may not contain NUL in a family of several labels`);
    return value;
  }).join('\u0000');
}

function labelsOf(labelNames: readonly string[], key: string): Labels {
  if (labelNames.length === 0) return {};
  if (labelNames.length === 1) return { [labelNames[0]]: key };
  const values = key.split('\u0000');
  return Object.fromEntries(labelNames.map((name, i) => [name, values[i]]));
}

abstract class Family<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];

  constructor(options: MetricOptions<L>) {
    if (!NAME.test(options.name)) throw new TypeError(`invalid metric name ${JSON.stringify(options.name)}`);
    for (const label of options.labelNames ?? []) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') throw new TypeError(`invalid label name ${JSON.stringify(label)}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  abstract collect(): MetricFamily;
}

/** A number per series that only goes up (requests served, bytes sent). */
export class Counter<L extends string = never> extends Family<L> {
  protected readonly values = new Map<string, number>();

  inc(labels?: Record<L, string>, by = 1): void {
    if (!(by >= 0)) throw new RangeError('a counter only goes up');
    const key = keyOf(this.labelNames, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(labels?: Record<L, string>): number {
    return this.values.get(keyOf(this.labelNames, labels)) ?? 0;
  }

  collect(): MetricFamily {
    return { name: this.name, help: this.help, type: 'counter', samples: samplesOf(this.labelNames, this.values) };
  }
}

/** A number per series that goes up and down (connections open now). */
export class Gauge<L extends string = never> extends Counter<L> {
  override inc(labels?: Record<L, string>, by = 1): void {
    const key = keyOf(this.labelNames, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  dec(labels?: Record<L, string>, by = 1): void {
    this.inc(labels, -by);
  }

  set(labels: Record<L, string> | undefined, value: number): void {
    this.values.set(keyOf(this.labelNames, labels), value);
  }

  override collect(): MetricFamily {
    return { name: this.name, help: this.help, type: 'gauge', samples: samplesOf(this.labelNames, this.values) };
  }
}

interface HistogramSeries {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into buckets by upper bound (latencies). */
export class Histogram<L extends string = never> extends Family<L> {
  readonly bounds: readonly number[];
  private readonly series = new Map<string, HistogramSeries>();

  constructor(options: MetricOptions<L> & { readonly buckets?: readonly number[] }) {
    super(options);
    const bounds = options.buckets ?? DEFAULT_LATENCY_BUCKETS;
    if (bounds.length === 0 || bounds.some((bound, i) => !Number.isFinite(bound) || (i > 0 && bound <= bounds[i - 1]))) {
      throw new RangeError('buckets must be finite and ascending');
    }
    this.bounds = [...bounds];
  }

  observe(labels: Record<L, string> | undefined, value: number): void {
    const key = keyOf(this.labelNames, labels);
    let series = this.series.get(key);
    if (series === undefined) {
      series = { counts: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    for (let i = this.bounds.length - 1; i >= 0 && value <= this.bounds[i]; i--) series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  collect(): MetricFamily {
    const samples = [...this.series].map(([key, series]) => ({
      labels: labelsOf(this.labelNames, key),
      bounds: this.bounds,
      counts: [...series.counts],
      sum: series.sum,
      count: series.count,
    }));
    return { name: this.name, help: this.help, type: 'histogram', samples };
  }
}

function samplesOf(labelNames: readonly string[], values: Map<string, number>): Sample[] {
  return [...values].map(([key, value]) => ({ labels: labelsOf(labelNames, key), value }));
}

/** A family whose samples are read when collected, from numbers kept by the code that counts. */
export interface CollectedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  collect(): readonly Sample[];
}

/**
 * The metrics of a process, by name. `collect()` reads every family at that moment;
 * `renderPrometheus(registry.collect())` makes the text a scrape gets.
 */
export class MetricsRegistry {
  private readonly families = new Map<string, { collect(): MetricFamily }>();

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.add(options.name, new Counter<L>(options));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.add(options.name, new Gauge<L>(options));
  }

  histogram<L extends string = never>(options: MetricOptions<L> & { readonly buckets?: readonly number[] }): Histogram<L> {
    return this.add(options.name, new Histogram<L>(options));
  }

  /** A counter or gauge whose samples `family.collect()` reads when the registry is collected. */
  collected(family: CollectedFamily): void {
    if (!NAME.test(family.name)) throw new TypeError(`invalid metric name ${JSON.stringify(family.name)}`);
    this.add(family.name, { collect: () => ({ name: family.name, help: family.help, type: family.type, samples: family.collect() }) });
  }

  /** Forgets a family (an application's metric it no longer keeps). */
  remove(name: string): boolean {
    return this.families.delete(name);
  }

  collect(): MetricFamily[] {
    return [...this.families.values()].map((family) => family.collect());
  }

  private add<F extends { collect(): MetricFamily }>(name: string, family: F): F {
    if (this.families.has(name)) throw new Error(`a metric named ${name} is already registered`);
    this.families.set(name, family);
    return family;
  }
}
