// What a measuring client received, in order, and waiting for it with a deadline: every
// wait of the measurement is bounded, so a transport that loses a message fails the run
// instead of hanging it.

/** A point in time (`Date.now()` scale) by which a step must be done. */
export type Deadline = number;

/** Resolves as `promise` does, or rejects naming `what` once `deadline` has passed. */
export async function within<T>(promise: Promise<T>, deadline: Deadline, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done in time`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export class Inbox {
  private readonly items: string[] = [];
  private waiter: { resolve: (text: string) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  /** Messages received so far (taken or not). */
  received = 0;

  push(text: string): void {
    this.received++;
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.items.push(text);
      return;
    }
    this.waiter = undefined;
    waiter.resolve(text);
  }

  /** The transport broke: the current wait and every later one reject with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  /** The next message received, in order. */
  next(deadline: Deadline, what: string): Promise<string> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const waited = new Promise<string>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    return within(waited, deadline, what).finally(() => {
      this.waiter = undefined;
    });
  }
}
