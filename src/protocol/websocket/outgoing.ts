import { frameHeaderSize, writeHeaderBytes } from './frame-header.js';
import { smallBytes } from './small-bytes.js';

/** Told once the bytes it waited for were handed to the carrier, or could not be. */
export type WriteCallback = (error?: Error | null) => void;

/** In `heads`: the part is written as it is (a header, a whole frame, a payload after its header). */
const AS_IS = -1;

/**
 * Frames an endpoint has produced and its carrier has not taken yet, in order,
 * with the callbacks of the sends they belong to. The carrier takes the whole
 * batch at once (`WebSocketProtocol.takeOutgoing`), so everything produced during
 * one read, or one turn of its event loop, can leave in a single write.
 *
 * An unmasked frame (a server's) is kept as its payload and the first byte of
 * its header (`pushFrame`): the header is written only when the batch is copied
 * out (`copyTo`), so a small message costs no header array of its own. Measured
 * on Bun, the header arrays, their lists and their copies were ~8 % of a 32-byte
 * echo's profile.
 */
export class Outgoing {
  readonly #parts: Uint8Array[] = [];
  /** Per part: the first header byte of an unmasked frame whose payload it is, or AS_IS. */
  readonly #heads: number[] = [];
  callbacks: WriteCallback[] | undefined;
  /** Bytes waiting here, headers included. */
  bytes = 0;

  /** The batch as byte arrays to write in order (each header an array of its own). */
  get chunks(): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < this.#parts.length; i++) {
      const part = this.#parts[i];
      const head = this.#heads[i];
      if (head !== AS_IS) {
        const header = smallBytes(frameHeaderSize(part.length, false));
        writeHeaderBytes(header, 0, (head & 0x80) !== 0, (head >> 4) & 0x7, head & 0xf, part.length);
        chunks.push(header);
        if (part.length === 0) continue;
      }
      chunks.push(part);
    }
    return chunks;
  }

  /** The batch's one byte array, when it is one to be written as it is (no copy needed); else undefined. */
  get single(): Uint8Array | undefined {
    return this.#parts.length === 1 && this.#heads[0] === AS_IS ? this.#parts[0] : undefined;
  }

  push(chunks: Uint8Array[], callback?: WriteCallback): void {
    for (const chunk of chunks) {
      this.#parts.push(chunk);
      this.#heads.push(AS_IS);
      this.bytes += chunk.length;
    }
    if (callback) (this.callbacks ??= []).push(callback);
  }

  /**
   * Queues an unmasked frame (§5.2) whose first header byte is `head` (FIN,
   * RSV and opcode): the payload is held as it is, and its header written when
   * the batch is copied out.
   */
  pushFrame(head: number, payload: Uint8Array, callback?: WriteCallback): void {
    this.#parts.push(payload);
    this.#heads.push(head);
    this.bytes += frameHeaderSize(payload.length, false) + payload.length;
    if (callback) (this.callbacks ??= []).push(callback);
  }

  /** Copies the whole batch into `target` from offset 0: `target` has room for `bytes`. */
  copyTo(target: Uint8Array): void {
    let at = 0;
    for (let i = 0; i < this.#parts.length; i++) {
      const part = this.#parts[i];
      const head = this.#heads[i];
      if (head !== AS_IS) {
        // The header of a frame this short is two bytes (§5.2): written here without a call.
        if (part.length < 126) {
          target[at] = head;
          target[at + 1] = part.length;
          at += 2;
        } else {
          at = writeHeaderBytes(target, at, (head & 0x80) !== 0, (head >> 4) & 0x7, head & 0xf, part.length);
        }
      }
      target.set(part, at);
      at += part.length;
    }
  }

  /** Tells every waiting sender the result of the write that carried this batch. */
  settle(error?: Error | null): void {
    const callbacks = this.callbacks;
    this.callbacks = undefined;
    if (callbacks) for (const callback of callbacks) callback(error);
  }
}
