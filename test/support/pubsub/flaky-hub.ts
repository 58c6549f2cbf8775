// A hub that can go down and come back, for the pub/sub recovery tests: a MemoryHub
// inside, whose subscriptions all end with a HubUnavailableError on `goDown()` (as
// RedisHub's do when its Pub/Sub connection drops) and whose calls are refused until
// `comeBack()`. `restartEmpty()` swaps in a new MemoryHub, as a Redis without persistence
// comes back with a new epoch. Messages published on `inner` meanwhile stand for those
// other processes published during the outage.
import { HubUnavailableError, MemoryHub, type Hub, type SubscribeOptions, type Subscription, type SubscriptionListener } from '../../../src/hub/index.js';
import type { RecoveryTimers } from '../../../src/pubsub/index.js';

interface Tap {
  readonly listener: SubscriptionListener;
  inner: Subscription | undefined;
  ended: boolean;
}

export class FlakyHub implements Hub {
  down = false;
  /** Every subscribe call: channel and `since`. */
  readonly subscribeCalls: { channel: string; since: string | undefined }[] = [];
  private readonly taps = new Set<Tap>();

  constructor(public inner: MemoryHub) {}

  async publish(channel: string, message: { data: string; event?: string }): Promise<string> {
    if (this.down) throw new HubUnavailableError('backplane down');
    return this.inner.publish(channel, message);
  }

  async subscribe(channel: string, listener: SubscriptionListener, options: SubscribeOptions = {}): Promise<Subscription> {
    this.subscribeCalls.push({ channel, since: options.since });
    if (this.down) throw new HubUnavailableError('backplane down');
    const tap: Tap = { listener, inner: undefined, ended: false };
    this.taps.add(tap);
    tap.inner = await this.inner.subscribe(channel, (event) => (tap.ended ? undefined : listener(event)), options);
    return {
      channel,
      unsubscribe: async () => {
        tap.ended = true;
        this.taps.delete(tap);
        await tap.inner?.unsubscribe();
      },
    };
  }

  /** Ends every subscription with a HubUnavailableError; calls fail until comeBack(). */
  goDown(): void {
    this.down = true;
    for (const tap of [...this.taps]) {
      tap.ended = true;
      this.taps.delete(tap);
      void tap.inner?.unsubscribe();
      tap.listener({ type: 'error', channel: 'x', error: new HubUnavailableError('backplane connection lost') });
    }
  }

  comeBack(): void {
    this.down = false;
  }

  /** Comes back without its data: a new MemoryHub, so a new epoch. */
  restartEmpty(epoch: string): MemoryHub {
    this.inner = new MemoryHub({ epoch });
    this.down = false;
    return this.inner;
  }

  /** Live subscriptions held on the inner hub. */
  get openSubscriptions(): number {
    return this.taps.size;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Timers that run only when the test says so. */
export class ManualTimers implements RecoveryTimers {
  private nextId = 1;
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  /** Every delay asked for, in order. */
  readonly requested: number[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { callback, ms });
    this.requested.push(ms);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Runs the timers due within `maxMs` that are pending now (not those they start). */
  fire(maxMs = Infinity): number {
    let fired = 0;
    for (const [id, timer] of [...this.pending]) {
      if (timer.ms > maxMs || !this.pending.has(id)) continue;
      this.pending.delete(id);
      timer.callback();
      fired++;
    }
    return fired;
  }

  /** Pending timers shorter than `maxMs` (retries, as opposed to the long subscribe deadline). */
  count(maxMs = Infinity): number {
    return [...this.pending.values()].filter((timer) => timer.ms <= maxMs).length;
  }
}
