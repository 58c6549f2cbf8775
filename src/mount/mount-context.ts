// What every transport of the mount shares: the session settings (and through them the
// channels' fan-outs), the registry of HTTP sessions and the resolved limits.
import type { SessionSettings } from '../pubsub/pubsub-session.js';
import type { SseRequest } from '../sse/index.js';
import type { SessionRegistry } from './session-registry.js';

export interface MountContext {
  readonly settings: SessionSettings<SseRequest>;
  readonly registry: SessionRegistry;
  /** The `ping` interval in ms, as the first message and the `session` event announce it. */
  readonly heartbeatInterval: number;
  /** Most bytes queued for one client (SSE: unsent; poll: between two polls). */
  readonly maxQueuedBytes: number;
  /** Longest wait for the next poll after an answer, in ms. */
  readonly sessionTimeout: number;
}
