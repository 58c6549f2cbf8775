import { channel } from 'node:diagnostics_channel';
import type { TraceEvent } from './trace-events.js';

/**
 * The trace through `node:diagnostics_channel`, as undici publishes its events:
 * any tool in the process can subscribe by name, without a reference to the
 * server. Only traced connections publish, and only while someone subscribes.
 */
export const TRACE_CHANNELS = {
  /** Every event of every traced connection. */
  all: 'switchboard:trace',
  'http-head': 'switchboard:http:head',
  frame: 'switchboard:websocket:frame',
  unparsed: 'switchboard:websocket:unparsed',
  body: 'switchboard:http:body',
  end: 'switchboard:trace:end',
} as const;

const all = channel(TRACE_CHANNELS.all);
const byType = {
  'http-head': channel(TRACE_CHANNELS['http-head']),
  frame: channel(TRACE_CHANNELS.frame),
  unparsed: channel(TRACE_CHANNELS.unparsed),
  body: channel(TRACE_CHANNELS.body),
  end: channel(TRACE_CHANNELS.end),
};

export function publishTraceEvent(event: TraceEvent): void {
  if (all.hasSubscribers) all.publish(event);
  const named = byType[event.type];
  if (named.hasSubscribers) named.publish(event);
}
