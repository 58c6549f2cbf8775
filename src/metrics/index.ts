export {
  Counter,
  DEFAULT_LATENCY_BUCKETS,
  Gauge,
  Histogram,
  type CollectedFamily,
  type HistogramSample,
  type Labels,
  type MetricFamily,
  type MetricOptions,
  type MetricType,
  MetricsRegistry,
  type Sample,
} from './registry.js';
export { PROMETHEUS_CONTENT_TYPE, escapeHelp, escapeLabelValue, formatValue, renderPrometheus } from './prometheus.js';
export { METRICS_CHANNELS } from './channels.js';
export { type MetricsTransport, metrics } from './library-metrics.js';
