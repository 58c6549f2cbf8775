import {
  type CompressionPlan,
  type DeflateParameters,
  Opcode,
  type SendOpcode,
  type WebSocketProtocol,
  type WriteCallback,
  compressionPlan,
  sharedFrameParts,
} from '../protocol/websocket/index.js';
import { afterEndpoint, endpointOf, startClose } from './adapter-operations.js';
import type { ConnectionSettings } from './connection-settings.js';
import { DeflateCodec } from './deflate-codec.js';
import type { CompressionSettings } from './deflate-options.js';
import { cachedSharedFrame, compressSharedFrame } from './shared-frame-compression.js';

/** What the send queue needs of its connection. */
export interface CompressingPeer {
  [endpointOf](): Pick<WebSocketProtocol, 'send' | 'sendFrame'>;
  [afterEndpoint](flushNow: boolean): void;
  [startClose](code?: number, reason?: string): void;
}

type Pending =
  | { type: 'message'; payload: Uint8Array; opcode: SendOpcode; compress: boolean; callback: WriteCallback | undefined }
  | { type: 'frame'; frame: Uint8Array; callback: WriteCallback | undefined }
  | { type: 'close'; code: number | undefined; reason: string | undefined };

/**
 * A connection's outgoing side under permessage-deflate (RFC 7692). zlib is
 * asynchronous, so a message being compressed holds back everything sent after
 * it (messages, shared frames, pings, the close frame) in a queue here: the
 * peer gets them in the order they were sent. Until a message is compressed
 * its uncompressed size counts as buffered (`pendingBytes`); then the frame's
 * real size does, in the endpoint. The inflating side is `codec.decompress`,
 * driven by the reading side, which reads nothing more meanwhile.
 */
export class MessageCompression {
  readonly codec: DeflateCodec;
  readonly plan: CompressionPlan;
  /** Bytes of the messages waiting here. */
  pendingBytes = 0;
  #queue: Pending[] = [];
  #working = false;

  constructor(
    private readonly peer: CompressingPeer,
    parameters: DeflateParameters,
    role: ConnectionSettings['role'],
    readonly settings: CompressionSettings,
    maxPayload: number,
  ) {
    this.plan = compressionPlan(parameters, role);
    this.codec = new DeflateCodec(this.plan, settings, maxPayload);
  }

  /** Something waits here: whatever is sent next goes behind it. */
  get busy(): boolean {
    return this.#working || this.#queue.length > 0;
  }

  /** Whether a message is worth compressing: data, at least `threshold` bytes, and the sender did not say no. */
  wants(payload: Uint8Array, opcode: number, compress: boolean): boolean {
    return compress && (opcode === Opcode.Text || opcode === Opcode.Binary) && payload.length >= this.settings.threshold;
  }

  /** Whether a shared frame must go through the queue: it is to be compressed, or something waits. */
  takesFrame(frame: Uint8Array): boolean {
    if (this.busy) return true;
    const { opcode, rsv, payload } = sharedFrameParts(frame);
    return rsv === 0 && this.wants(payload, opcode, true);
  }

  sendMessage(payload: Uint8Array, opcode: SendOpcode, compress: boolean, callback: WriteCallback | undefined): void {
    this.#push({ type: 'message', payload, opcode, compress: this.wants(payload, opcode, compress), callback }, payload.length);
  }

  sendFrame(frame: Uint8Array, callback: WriteCallback | undefined): void {
    this.#push({ type: 'frame', frame, callback }, frame.length);
  }

  /** A close after queued messages: it leaves once they have. */
  close(code: number | undefined, reason: string | undefined): void {
    this.#push({ type: 'close', code, reason }, 0);
  }

  /** The connection is gone: its zlib streams are freed and whatever waits here is told so. */
  dispose(error: Error): void {
    this.codec.close();
    this.#drop(error);
  }

  #drop(error: Error): void {
    const queue = this.#queue;
    this.#queue = [];
    this.pendingBytes = 0;
    for (const item of queue) if (item.type !== 'close') item.callback?.(error);
  }

  #push(item: Pending, size: number): void {
    this.#queue.push(item);
    this.pendingBytes += size;
    if (!this.#working) this.#next();
  }

  /** Sends what waits, in order, until something must be compressed first. */
  #next(): void {
    while (this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      if (item.type === 'close') {
        // Nothing may follow a close frame (§5.5.1): what was sent after it is refused.
        this.#drop(new Error('WebSocket is not open'));
        this.peer[startClose](item.code, item.reason);
        return;
      }
      if (item.type === 'message' && item.compress) {
        this.#working = true;
        this.codec.compress(item.payload, (error, compressed) => {
          this.#settle(item.payload.length);
          if (error) item.callback?.(error);
          else this.#send(() => this.peer[endpointOf]().send(compressed!, item.opcode, item.callback, true), item.callback);
          this.#next();
        });
        return;
      }
      if (item.type === 'message') {
        this.pendingBytes -= item.payload.length;
        this.#send(() => this.peer[endpointOf]().send(item.payload, item.opcode, item.callback), item.callback);
        continue;
      }
      if (this.#compressFrame(item.frame, item.callback)) return;
    }
  }

  /** A shared frame: compressed once for all when no context is kept, by this connection's own stream otherwise. */
  #compressFrame(frame: Uint8Array, callback: WriteCallback | undefined): boolean {
    const parts = sharedFrameParts(frame);
    if (parts.rsv !== 0 || !this.wants(parts.payload, parts.opcode, true)) {
      this.pendingBytes -= frame.length;
      this.#send(() => this.peer[endpointOf]().sendFrame(frame, callback), callback);
      return false;
    }
    const { windowBits, resetEachMessage } = this.plan.compress;
    if (!resetEachMessage) {
      // Our context carries over between messages: only our own stream can compress it.
      this.pendingBytes -= frame.length;
      this.#queue.unshift({ type: 'message', payload: parts.payload, opcode: parts.opcode as SendOpcode, compress: true, callback });
      this.pendingBytes += parts.payload.length;
      return false;
    }
    const ready = cachedSharedFrame(frame, windowBits, this.settings);
    if (ready) {
      this.pendingBytes -= frame.length;
      this.#send(() => this.peer[endpointOf]().sendFrame(ready, callback), callback);
      return false;
    }
    this.#working = true;
    compressSharedFrame(frame, parts, windowBits, this.settings, (error, compressed) => {
      this.#settle(frame.length);
      if (error) callback?.(error);
      else this.#send(() => this.peer[endpointOf]().sendFrame(compressed!, callback), callback);
      this.#next();
    });
    return true;
  }

  #settle(size: number): void {
    this.#working = false;
    this.pendingBytes = Math.max(0, this.pendingBytes - size);
  }

  #send(send: () => boolean, callback: WriteCallback | undefined): void {
    if (!send()) {
      callback?.(new Error('WebSocket is not open'));
      return;
    }
    this.peer[afterEndpoint](false);
  }
}
