// Publishes from `publish()` until answered: queued while no session is open, sent when
// one is, settled by `published` / `error` (matched by `ref`). Bounded, so that a server
// that never answers or a long time offline cannot grow it without end. At most once: a
// publish sent on a session that ended unanswered is rejected, never sent again.
import type { PubSubErrorCode, PublishMessage } from '../protocol/pubsub/messages.js';

export type PublishErrorCode = PubSubErrorCode | 'queue-full' | 'connection-lost' | 'closed';

/** Why a publish failed: the server's error code, or one of the client's own. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    readonly code: PublishErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface Pending {
  readonly message: PublishMessage;
  sent: boolean;
  resolve(id: string): void;
  reject(error: PublishError): void;
}

export class Publishes {
  private readonly pending = new Map<string, Pending>();
  private lastRef = 0;
  private queuedChars = 0;
  /** Publishes sent and not answered yet. */
  inFlight = 0;

  constructor(
    private readonly maxQueued: number,
    private readonly maxQueuedChars: number,
  ) {}

  add(channel: string, data: string, event: string | undefined): Promise<string> {
    if (this.pending.size >= this.maxQueued || this.queuedChars + data.length > this.maxQueuedChars) {
      return Promise.reject(
        new PublishError('queue-full', `${this.pending.size} publishes (${this.queuedChars} characters unsent) already wait; maxQueued / maxQueuedBytes reached`),
      );
    }
    const ref = String(++this.lastRef);
    const message: PublishMessage = event === undefined ? { type: 'publish', channel, data, ref } : { type: 'publish', channel, data, event, ref };
    this.queuedChars += data.length;
    return new Promise((resolve, reject) => this.pending.set(ref, { message, sent: false, resolve, reject }));
  }

  /** The publishes not sent yet, in order, now counted as sent. */
  take(): PublishMessage[] {
    const out: PublishMessage[] = [];
    for (const entry of this.pending.values()) {
      if (entry.sent) continue;
      entry.sent = true;
      this.inFlight++;
      this.queuedChars -= entry.message.data.length;
      out.push(entry.message);
    }
    return out;
  }

  /** The answer to `ref`: its id, or the server's refusal. Unknown refs are ignored. */
  settle(ref: string, id: string | PublishError): void {
    const entry = this.pending.get(ref);
    if (entry === undefined || !entry.sent) return;
    this.pending.delete(ref);
    this.inFlight--;
    if (typeof id === 'string') entry.resolve(id);
    else entry.reject(id);
  }

  /** The session ended: publishes sent on it may or may not have been stored. */
  lost(): void {
    this.rejectWhere(true, 'connection-lost', 'the session ended before the publish was acknowledged; it may or may not have been published');
  }

  /** The client closed: nothing more will be sent or answered. */
  closed(): void {
    this.rejectWhere(true, 'connection-lost', 'the client closed before the publish was acknowledged; it may or may not have been published');
    this.rejectWhere(false, 'closed', 'the client closed before the publish was sent');
  }

  private rejectWhere(sent: boolean, code: PublishErrorCode, message: string): void {
    for (const [ref, entry] of this.pending) {
      if (entry.sent !== sent) continue;
      this.pending.delete(ref);
      if (!sent) this.queuedChars -= entry.message.data.length;
      entry.reject(new PublishError(code, message));
    }
    if (sent) this.inFlight = 0;
  }
}
