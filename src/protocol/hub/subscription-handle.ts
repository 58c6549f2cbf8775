// "Subscribe, then unsubscribe if the client left meanwhile", written once. Hub.subscribe
// resolves later than its first events may arrive and later than a client may leave, so
// whoever stops before it resolves must still release the subscription it brings.
import { asError } from '../errors.js';
import type { Hub, SubscribeOptions, Subscription, SubscriptionListener } from './contract.js';

export interface SubscriptionHandle {
  /**
   * Ends the subscription: now if the hub has handed it over, otherwise as soon as it does.
   * No event reaches the listener afterwards. Idempotent; an unsubscribe that fails is
   * ignored (delivery has stopped either way).
   */
  stop(): void;
  readonly stopped: boolean;
}

export interface OpenSubscriptionOptions extends SubscribeOptions {
  /**
   * The hub refused the subscription (rejected, or threw). Called even after `stop()`: a
   * hub that cannot be reached is worth reporting whoever was waiting for it.
   */
  readonly onFailure: (error: Error) => void;
}

/**
 * Calls `hub.subscribe` (a microtask later: no event arrives before this returns) and holds
 * what it resolves with until `stop()`.
 */
export function openSubscription(hub: Hub, channel: string, listener: SubscriptionListener, options: OpenSubscriptionOptions): SubscriptionHandle {
  let stopped = false;
  let subscription: Subscription | undefined;
  const release = (held: Subscription): void => {
    try {
      held.unsubscribe().catch(ignore);
    } catch {
      // A hub whose unsubscribe throws synchronously: still nothing more to do.
    }
  };
  const subscribeOptions: SubscribeOptions = options.since === undefined ? {} : { since: options.since };
  const guarded: SubscriptionListener = (event) => {
    if (!stopped) listener(event);
  };
  // Called one microtask later, inside the promise chain: no event reaches the listener
  // before the caller holds the handle (MemoryHub delivers during subscribe()), a client
  // gone by then costs no subscription at all, and a hub that throws instead of rejecting
  // is handled as one that rejects.
  Promise.resolve()
    .then(() => (stopped ? undefined : hub.subscribe(channel, guarded, subscribeOptions)))
    .then(
      (held) => {
        if (held === undefined) return;
        if (stopped) release(held);
        else subscription = held;
      },
      (error: unknown) => options.onFailure(asError(error)),
    );
  return {
    get stopped() {
      return stopped;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (subscription !== undefined) release(subscription);
      subscription = undefined;
    },
  };
}

function ignore(): void {
  // Unsubscribing is best effort: the subscription is being dropped either way.
}
