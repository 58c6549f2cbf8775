import { FrameParser, type FrameParserOptions, type ParserEvent, ProtocolError } from '../../src/protocol/websocket/index.js';

export interface Outcome {
  events: ParserEvent[];
  error: ProtocolError | undefined;
}

/** Runs chunks through a fresh parser and records the events and the error, if any. */
export function parseAll(chunks: Uint8Array[], options: Omit<FrameParserOptions, 'onEvent'>): Outcome {
  const events: ParserEvent[] = [];
  const parser = new FrameParser({ ...options, onEvent: (event) => events.push(event) });
  try {
    for (const chunk of chunks) parser.push(chunk);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { events, error };
  }
  return { events, error: undefined };
}

/** Splits a buffer at the given cut points (sorted, deduplicated, in range). */
export function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => Math.min(Math.max(cut, 0), bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    out.push(bytes.subarray(start, point));
    start = point;
  }
  out.push(bytes.subarray(start));
  return out;
}

/** Fresh copies, since the parser unmasks in place. */
export function copies(chunks: Uint8Array[]): Buffer[] {
  return chunks.map((chunk) => Buffer.from(chunk));
}
