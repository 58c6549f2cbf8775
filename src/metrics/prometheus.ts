// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
// per family a `# HELP` and a `# TYPE` line, then one line per sample,
// `name{label="value",…} number`. Histograms expand into `_bucket` series with a
// cumulative `le` label (ending with `+Inf`), `_sum` and `_count`.
import type { Labels, MetricFamily } from './registry.js';

/** The Content-Type of a scrape answer in this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** In a label value: backslash, double quote and line feed are escaped (`\\`, `\"`, `\n`). */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** In HELP text: only backslash and line feed are escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** A sample value: Go's float formatting for the special values, JavaScript's shortest round-trip form otherwise. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** The text of a scrape: every family, in the order given, ending with a line feed. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type === 'histogram') {
      for (const sample of family.samples) {
        sample.bounds.forEach((bound, i) => {
          lines.push(`${family.name}_bucket${labelText(sample.labels, ['le', formatValue(bound)])} ${formatValue(sample.counts[i])}`);
        });
        lines.push(`${family.name}_bucket${labelText(sample.labels, ['le', '+Inf'])} ${formatValue(sample.count)}`);
        lines.push(`${family.name}_sum${labelText(sample.labels)} ${formatValue(sample.sum)}`);
        lines.push(`${family.name}_count${labelText(sample.labels)} ${formatValue(sample.count)}`);
      }
    } else {
      for (const sample of family.samples) lines.push(`${family.name}${labelText(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
