// The events of a wire trace: plain JSON-able objects, one per line in a JSON-lines
// file, and the message of the diagnostics channels (docs/inspector.md).

/** Which end of the connection sent the bytes. */
export type Sender = 'client' | 'server';

export type TraceTransport = 'websocket' | 'sse' | 'long-polling';

interface EventBase {
  /** The traced connection's id (chosen by the application, or `ws-1`, `sse-2`…). */
  connection: string;
  /** The label the application gave the connection, if any (trace-registry.ts). */
  label?: string;
  transport: TraceTransport;
  /** Order of the event within its connection, from 0. */
  seq: number;
  /** When it was seen: milliseconds since the epoch, with a fraction. */
  time: number;
}

/** What `FrameAnnotator` read from a frame, in JSON (docs/inspector.md): the bytes are in `hex`. */
export interface FrameSummary {
  fin: boolean;
  rsv: number;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  /** The masking key as hex, when masked. */
  maskKey?: string;
  lengthForm: '7-bit' | '16-bit' | '64-bit';
  headerLength: number;
  payloadLength: number;
  truncated: boolean;
  /** A text frame's text, when whole and valid UTF-8. */
  text?: string;
  close?: { code: number; reason: string };
  notes: string[];
}

export type TraceEvent =
  /** An HTTP head (request or response), as text; `exact` is false when rebuilt from Node's parsed head. */
  | (EventBase & { type: 'http-head'; from: Sender; bytes: number; text: string; exact: boolean })
  /** A WebSocket frame; `hex` is its bytes on the wire (the payload cut at the capture limit when `frame.truncated`). */
  | (EventBase & { type: 'frame'; from: Sender; bytes: number; hex: string; frame: FrameSummary })
  /** Bytes that could not be read as frames (after a length the annotator cannot follow). */
  | (EventBase & { type: 'unparsed'; from: Sender; bytes: number; reason: string })
  /** Raw text of a body: SSE events as written, a long-poll request or response body. */
  | (EventBase & { type: 'body'; from: Sender; bytes: number; text: string })
  /** The connection ended. */
  | (EventBase & { type: 'end' });

export type TraceListener = (event: TraceEvent) => void;
