import fc from 'fast-check';
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import {
  METRICS_CHANNELS,
  MetricsRegistry,
  escapeHelp,
  escapeLabelValue,
  metrics,
  renderPrometheus,
} from '../../src/metrics/index.js';
import { parsePrometheus, valueOf } from '../support/prometheus-text.js';

describe('MetricsRegistry', () => {
  it('counts per label set, and renders HELP, TYPE and one line per series', () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter({ name: 'app_requests_total', help: 'Requests served.', labelNames: ['method', 'status'] });
    requests.inc({ method: 'GET', status: '200' });
    requests.inc({ method: 'GET', status: '200' }, 2);
    requests.inc({ method: 'POST', status: '500' });
    const open = registry.gauge({ name: 'app_open', help: 'Open now.' });
    open.inc();
    open.inc();
    open.dec();
    expect(requests.get({ method: 'GET', status: '200' })).toBe(3);
    expect(renderPrometheus(registry.collect())).toBe(
      [
        '# HELP app_requests_total Requests served.',
        '# TYPE app_requests_total counter',
        'app_requests_total{method="GET",status="200"} 3',
        'app_requests_total{method="POST",status="500"} 1',
        '# HELP app_open Open now.',
        '# TYPE app_open gauge',
        'app_open 1',
        '',
      ].join('\n'),
    );
  });

  it('renders a histogram as cumulative buckets, +Inf, _sum and _count', () => {
    const registry = new MetricsRegistry();
    const latency = registry.histogram({ name: 'app_seconds', help: 'Latency.', labelNames: ['op'], buckets: [0.1, 1] });
    for (const value of [0.05, 0.1, 0.5, 3]) latency.observe({ op: 'x' }, value);
    expect(renderPrometheus(registry.collect())).toBe(
      [
        '# HELP app_seconds Latency.',
        '# TYPE app_seconds histogram',
        'app_seconds_bucket{op="x",le="0.1"} 2',
        'app_seconds_bucket{op="x",le="1"} 3',
        'app_seconds_bucket{op="x",le="+Inf"} 4',
        'app_seconds_sum{op="x"} 3.65',
        'app_seconds_count{op="x"} 4',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad names, missing labels, a counter going down, a name used twice', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter({ name: 'bad-name', help: '' })).toThrow(TypeError);
    expect(() => registry.counter({ name: 'ok', help: '', labelNames: ['le'] })).toThrow(TypeError);
    expect(() => registry.counter({ name: 'ok2', help: '', labelNames: ['__x'] })).toThrow(TypeError);
    const counter = registry.counter({ name: 'c_total', help: '', labelNames: ['a'] });
    expect(() => counter.inc({} as { a: string })).toThrow(/label "a"/);
    expect(() => counter.inc({ a: 'x' }, -1)).toThrow(RangeError);
    const pairs = registry.counter({ name: 'pairs_total', help: '', labelNames: ['a', 'b'] });
    expect(() => pairs.inc({ a: 'x\u0000', b: 'y' })).toThrow(/NUL/);
    expect(() => registry.gauge({ name: 'c_total', help: '' })).toThrow(/already registered/);
    expect(() => registry.histogram({ name: 'h', help: '', buckets: [1, 1] })).toThrow(RangeError);
  });

  it('escapes label values and HELP text as the format says', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
    const registry = new MetricsRegistry();
    registry.counter({ name: 'x_total', help: 'two\nlines', labelNames: ['path'] }).inc({ path: '/a"b\\c' });
    expect(renderPrometheus(registry.collect())).toBe('# HELP x_total two\\nlines\n# TYPE x_total counter\nx_total{path="/a\\"b\\\\c"} 1\n');
  });

  it('round-trips any label values, HELP text and counts through the text format', () => {
    const labelValue = fc.string({ unit: 'binary', maxLength: 20 });
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.uniqueArray(fc.tuple(labelValue, labelValue, fc.nat({ max: 1e9 })), { selector: ([a, b]) => `${a}\u0000${b}`, maxLength: 8 }),
        (help, series) => {
          // The registry refuses a NUL in a family of several labels (it joins the key with NUL).
          fc.pre(series.every(([a, b]) => !a.includes('\u0000') && !b.includes('\u0000')));
          const registry = new MetricsRegistry();
          const counter = registry.counter({ name: 'round_trip_total', help, labelNames: ['first', 'second'] });
          for (const [first, second, count] of series) counter.inc({ first, second }, count);
          const parsed = parsePrometheus(renderPrometheus(registry.collect()));
          expect(parsed.help.get('round_trip_total')).toBe(help);
          expect(parsed.types.get('round_trip_total')).toBe('counter');
          expect(parsed.samples).toEqual(series.map(([first, second, count]) => ({ name: 'round_trip_total', labels: { first, second }, value: count })));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the library registry', () => {
  it('holds every switchboard_ family, with HELP and TYPE, before any traffic', () => {
    const parsed = parsePrometheus(renderPrometheus(metrics.collect()));
    for (const name of [
      'switchboard_connections_open',
      'switchboard_connections_opened_total',
      'switchboard_handshakes_accepted_total',
      'switchboard_handshakes_rejected_total',
      'switchboard_websocket_closes_total',
      'switchboard_messages_received_total',
      'switchboard_messages_sent_total',
      'switchboard_bytes_received_total',
      'switchboard_bytes_sent_total',
      'switchboard_heartbeat_terminations_total',
      'switchboard_backpressure_total',
      'switchboard_websocket_policy_closes_total',
      'switchboard_resumes_total',
      'switchboard_gaps_total',
      'switchboard_hub_publish_duration_seconds',
      'switchboard_backplane_errors_total',
    ]) {
      expect(parsed.types.has(name), name).toBe(true);
      expect(parsed.help.get(name)?.length, name).toBeGreaterThan(10);
    }
    expect(valueOf(parsed, 'switchboard_connections_open', { transport: 'websocket' })).toBe(0);
  });

  it('publishes hub publishes on diagnostics_channel, with the time taken', async () => {
    const { MemoryHub } = await import('../../src/hub/index.js');
    const seen: unknown[] = [];
    const listener = (message: unknown): void => void seen.push(message);
    subscribe(METRICS_CHANNELS.publish, listener);
    try {
      const hub = new MemoryHub();
      await hub.publish('news', { data: 'x' });
      await hub.close();
    } finally {
      unsubscribe(METRICS_CHANNELS.publish, listener);
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ hub: 'memory' });
    expect((seen[0] as { seconds: number }).seconds).toBeGreaterThanOrEqual(0);
    expect(channel(METRICS_CHANNELS.publish).hasSubscribers).toBe(false);
  });
});
