import { type AnnotatedFrame, FrameAnnotator } from '../protocol/inspector/index.js';
import type { FrameSummary } from './trace-events.js';

/** Longest HTTP head read before giving up on finding its end (as node:http's default limit). */
const MAX_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

export type DecodedPiece =
  | { type: 'http-head'; bytes: number; text: string; exact: true }
  | { type: 'frame'; bytes: number; hex: string; frame: FrameSummary }
  | { type: 'unparsed'; bytes: number; reason: string }
  | { type: 'body'; bytes: number; text: string };

/**
 * One direction of a WebSocket connection's bytes, read as the wire has them:
 * optionally an HTTP head first (a proxy or a client sees the handshake as
 * bytes), then frames. A response head other than 101 means no frames follow:
 * the rest is shown as body text. Memory is bounded: a head by 16 KiB, a frame's
 * payload by the annotator's capture limit.
 */
export class WireDecoder {
  private mode: 'head' | 'frames' | 'body' | 'failed';
  private head = Buffer.alloc(0);
  private readonly frames: FrameAnnotator;

  constructor(headFirst: boolean, captureLimit?: number) {
    this.mode = headFirst ? 'head' : 'frames';
    this.frames = new FrameAnnotator({ captureLimit, fields: false });
  }

  push(chunk: Uint8Array): DecodedPiece[] {
    const pieces: DecodedPiece[] = [];
    if (this.mode === 'head') chunk = this.readHead(chunk, pieces);
    if (chunk.length === 0) return pieces;
    if (this.mode === 'frames') {
      for (const frame of this.frames.push(chunk)) pieces.push(framePiece(frame));
      if (this.frames.failure !== undefined) {
        this.mode = 'failed';
        pieces.push({ type: 'unparsed', bytes: this.frames.pendingBytes, reason: this.frames.failure });
      }
    } else if (this.mode === 'body') {
      pieces.push({ type: 'body', bytes: chunk.length, text: Buffer.from(chunk).toString('utf8') });
    } else {
      pieces.push({ type: 'unparsed', bytes: chunk.length, reason: 'after bytes that could not be read as frames' });
    }
    return pieces;
  }

  /** Adds to the head; once it is whole, reports it and returns the bytes after it. */
  private readHead(chunk: Uint8Array, pieces: DecodedPiece[]): Uint8Array {
    const seen = this.head.length;
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf(HEAD_END, Math.max(0, seen - 3));
    if (end === -1) {
      if (this.head.length <= MAX_HEAD) return chunk.subarray(chunk.length);
      this.mode = 'failed';
      pieces.push({ type: 'unparsed', bytes: this.head.length, reason: `no end of the HTTP head within ${MAX_HEAD} bytes` });
      return chunk.subarray(chunk.length);
    }
    const text = this.head.toString('latin1', 0, end + 4);
    pieces.push({ type: 'http-head', bytes: end + 4, text, exact: true });
    // A response other than 101 Switching Protocols: no WebSocket, the rest is an HTTP body.
    this.mode = /^HTTP\/\d(?:\.\d)? (?!101)/.test(text) ? 'body' : 'frames';
    const rest = this.head.subarray(end + 4);
    this.head = Buffer.alloc(0);
    return rest;
  }
}

function framePiece(frame: AnnotatedFrame): DecodedPiece {
  return { type: 'frame', bytes: frame.wireLength, hex: Buffer.from(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.length).toString('hex'), frame: summarize(frame) };
}

export function summarize(frame: AnnotatedFrame): FrameSummary {
  const summary: FrameSummary = {
    fin: frame.fin,
    rsv: frame.rsv,
    opcode: frame.opcode,
    opcodeName: frame.opcodeName,
    masked: frame.masked,
    lengthForm: frame.lengthForm,
    headerLength: frame.headerLength,
    payloadLength: frame.payloadLength,
    truncated: frame.truncated,
    notes: frame.notes,
  };
  if (frame.maskKey) summary.maskKey = Buffer.from(frame.maskKey).toString('hex');
  if (frame.text !== undefined) summary.text = frame.text;
  if (frame.close) summary.close = frame.close;
  return summary;
}
