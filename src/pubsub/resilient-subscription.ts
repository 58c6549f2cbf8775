// A hub subscription that comes back by itself after a transient hub failure: when it
// ends with an error (or a subscribe attempt is refused) it waits on the backoff and
// subscribes again with `since` = whatever its owner says it last delivered, so the hub
// replays what was missed, or reports a `gap`. Only a permanent failure (hub closed,
// refused input) is passed on, and nothing follows it.
import { INITIAL_BACKOFF_STATE, backoffNext, type BackoffState } from '../protocol/reconnect/backoff.js';
import type { Hub, SubscriptionEvent } from '../protocol/hub/contract.js';
import { openSubscription, type SubscriptionHandle } from '../protocol/hub/subscription-handle.js';
import { isTransient, type RecoverySettings } from './hub-recovery.js';

/** Every event but `error`: those are handled here. */
export type DeliveryEvent = Exclude<SubscriptionEvent, { type: 'error' }>;

export interface ResilientListener {
  /** gap / message / live, in the hub's order, for the current attempt. */
  delivered(event: DeliveryEvent): void;
  /** The hub failed transiently: an attempt is scheduled. Optional bookkeeping. */
  interrupted?(error: Error): void;
  /** The hub failed for good; nothing follows. */
  failed(error: Error): void;
}

export class ResilientSubscription {
  /** Bumped per attempt and on stop, so events of a superseded attempt are ignored. */
  private attemptId = 0;
  /** Consecutive failed attempts (and the last delay) since the last one that went live. */
  private backoff: BackoffState = INITIAL_BACKOFF_STATE;
  private current: SubscriptionHandle | undefined;
  private timer: unknown = undefined;
  private stopped = false;

  constructor(
    private readonly hub: Hub,
    private readonly channel: string,
    /** The id to resume after, read at each attempt; undefined subscribes live only. */
    private readonly since: () => string | undefined,
    private readonly listener: ResilientListener,
    private readonly settings: RecoverySettings,
  ) {}

  /** Whether a retry is waiting on its timer. */
  get retrying(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.stopped) return;
    const id = ++this.attemptId;
    this.current = openSubscription(this.hub, this.channel, (event) => this.onEvent(id, event), {
      since: this.since(),
      onFailure: (error) => this.onFailure(id, error),
    });
  }

  /** Ends delivery and any pending retry; idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.attemptId++;
    this.cancelTimer();
    this.current?.stop();
    this.current = undefined;
  }

  private onEvent(id: number, event: SubscriptionEvent): void {
    if (id !== this.attemptId) return;
    if (event.type === 'error') return this.onFailure(id, event.error);
    if (event.type === 'live') this.backoff = INITIAL_BACKOFF_STATE;
    this.listener.delivered(event);
  }

  private onFailure(id: number, error: Error): void {
    if (id !== this.attemptId) return;
    // This attempt is over: whatever it still sends is ignored.
    this.attemptId++;
    this.current?.stop();
    this.current = undefined;
    if (!isTransient(error)) {
      this.stopped = true;
      this.listener.failed(error);
      return;
    }
    // Never "connected", so only a live event resets it (the clock reading is unused).
    const { delayMs: delay, state } = backoffNext(this.backoff, 0, this.settings.backoff, this.settings.random);
    this.backoff = state;
    this.timer = this.settings.timers.setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, delay);
    this.listener.interrupted?.(error);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.settings.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
