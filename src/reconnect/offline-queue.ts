// What a ReconnectingWebSocket keeps while it is not connected, bounded in messages and
// bytes, and the one way out for what will never be sent: a drop, reported through
// `onDrop` (the client turns it into a 'drop' event), never a silent loss.
import type { SendData } from '../websocket/index.js';
import type { DropReason } from './reconnect-events.js';

export interface Outgoing {
  readonly data: SendData;
  readonly bytes: number;
  /** For a publish: the ref its acknowledgement will carry. */
  readonly ref?: string;
}

export interface OfflineQueueLimits {
  /** Messages kept; one more is dropped with 'queue-full'. */
  readonly maxMessages: number;
  /** Bytes kept, likewise. */
  readonly maxBytes: number;
}

export class OfflineQueue {
  private items: Outgoing[] = [];
  private queuedBytes = 0;

  constructor(
    private readonly limits: OfflineQueueLimits,
    private readonly onDrop: (item: Outgoing, reason: DropReason) => void,
  ) {}

  /** Messages kept. */
  get length(): number {
    return this.items.length;
  }

  /** Bytes kept. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** Keeps the item for the next connection, or drops it ('queue-full') past either bound. */
  keep(item: Outgoing): 'queued' | 'dropped' {
    if (this.items.length >= this.limits.maxMessages || this.queuedBytes + item.bytes > this.limits.maxBytes) return this.drop(item, 'queue-full');
    this.items.push(item);
    this.queuedBytes += item.bytes;
    return 'queued';
  }

  /** Reports an item that will never be sent. */
  drop(item: Outgoing, reason: DropReason): 'dropped' {
    this.onDrop(item, reason);
    return 'dropped';
  }

  /** Empties the queue and hands over what it held, oldest first (to send it). */
  take(): Outgoing[] {
    const items = this.items;
    this.items = [];
    this.queuedBytes = 0;
    return items;
  }

  /** Empties the queue, dropping everything it held, oldest first. */
  dropAll(reason: DropReason): void {
    for (const item of this.take()) this.drop(item, reason);
  }

  /** Whether the publish with this ref is still waiting here (so was never sent). */
  holds(ref: string): boolean {
    return this.items.some((item) => item.ref === ref);
  }
}

/** Bytes an outgoing message counts for against `maxBytes`: UTF-8 for text. */
export function byteLength(data: SendData): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  return data.byteLength;
}
