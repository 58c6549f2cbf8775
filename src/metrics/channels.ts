import { channel } from 'node:diagnostics_channel';

/**
 * The library's metric events on `node:diagnostics_channel`, for tools that keep their
 * own metrics (OpenTelemetry, StatsD): subscribe by name, no reference to a server
 * needed. Each event is published only while someone subscribes. Per-message and
 * per-byte counts are not published one by one (that would cost every message); they
 * are read from `metrics.collect()`.
 */
export const METRICS_CHANNELS = {
  /** `{ transport, event: 'open' | 'close', code? }`: a connection, stream or held poll began or ended (`code`: a WebSocket's close code). */
  connection: 'switchboard:metrics:connection',
  /** `{ transport, accepted, status }`: an opening handshake answered (101, or 200 over HTTP/2 and for SSE) or refused with `status`. */
  handshake: 'switchboard:metrics:handshake',
  /** `{ reason: 'pong-timeout' | 'write-stall' | 'message-timeout' }`: the heartbeat gave up on a WebSocket peer. */
  heartbeat: 'switchboard:metrics:heartbeat',
  /** `{ transport, action: 'dropped' | 'closed' }`: a send over the buffer limit was refused, or its connection closed for it. */
  backpressure: 'switchboard:metrics:backpressure',
  /** `{ kind, event: 'resume' | 'gap' }`: a subscription resumed from a position, or was told of messages it cannot have. */
  resume: 'switchboard:metrics:resume',
  /** `{ hub, seconds }`: one publish to a hub, from the call to its id. */
  publish: 'switchboard:metrics:publish',
  /** `{ operation, error }`: a backplane (Redis) command failed or its connection was lost. */
  backplaneError: 'switchboard:metrics:backplane-error',
} as const;

export const connectionChannel = channel(METRICS_CHANNELS.connection);
export const handshakeChannel = channel(METRICS_CHANNELS.handshake);
export const heartbeatChannel = channel(METRICS_CHANNELS.heartbeat);
export const backpressureChannel = channel(METRICS_CHANNELS.backpressure);
export const resumeChannel = channel(METRICS_CHANNELS.resume);
export const publishChannel = channel(METRICS_CHANNELS.publish);
export const backplaneErrorChannel = channel(METRICS_CHANNELS.backplaneError);
