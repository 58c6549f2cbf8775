// The inspector's text views, shared by `inspect`, `proxy` and `connect --trace`:
// a frame field by field (the layout of RFC 6455 §5.2), and a trace event in one line.
import { type AnnotatedFrame, type FrameField, maskSteps, toHex } from '../protocol/inspector/index.js';
import { type FrameSummary, type TraceEvent, summarize } from '../trace/index.js';

/** Bytes shown of a long field before "…". */
const SHOWN_BYTES = 16;

/** A frame, field by field: where each lies (bytes, and bits within a byte), its value, and why. */
export function describeFrameLines(frame: AnnotatedFrame, index: number): string[] {
  const lines = [`frame ${index} at byte ${frame.streamOffset}: ${headline(summarize(frame))}, ${frame.wireLength} bytes on the wire (header ${frame.headerLength})`];
  lines.push(`  ${hexLine(frame.bytes.subarray(0, frame.headerLength))}${frame.payload.length > 0 ? ` | ${hexLine(frame.bytes.subarray(frame.headerLength))}` : ''}`);
  for (const field of frame.fields) lines.push(fieldLine(frame, field));
  if (frame.masked && frame.payload.length > 0) {
    const steps = maskSteps(frame, 8);
    const shown = steps.map((s) => `${hex2(s.masked)}^${hex2(s.keyByte)}=${hex2(s.unmasked)}`).join(' ');
    lines.push(`  unmasking (§5.3, byte i XOR key[i mod 4]): ${shown}${frame.payload.length > steps.length ? ' …' : ''}`);
    lines.push(`  unmasked payload: ${hexLine(frame.payload)}`);
  }
  if (frame.text !== undefined) lines.push(`  text: ${JSON.stringify(frame.text)}`);
  for (const note of frame.notes) lines.push(`  note: ${note}`);
  return lines;
}

function fieldLine(frame: AnnotatedFrame, field: FrameField): string {
  const where = field.length === 1 ? `[${field.offset}]` : `[${field.offset}-${field.offset + field.length - 1}]`;
  // Fields inside a masked payload (a close code, a reason) are shown unmasked, marked with "*".
  const inPayload = frame.masked && field.name !== 'payload' && field.offset >= frame.headerLength;
  const shape = field.bits
    ? bitPattern(frame.bytes[field.offset], field.bits.first, field.bits.count)
    : inPayload
      ? `${hexLine(frame.payload.subarray(field.offset - frame.headerLength, field.offset - frame.headerLength + field.length))}*`
      : hexLine(frame.bytes.subarray(field.offset, field.offset + field.length));
  return `  ${where.padEnd(8)} ${shape.padEnd(14)} ${field.name.padEnd(23)} ${String(field.value).padEnd(12)} ${field.explanation}${inPayload ? ' (* unmasked)' : ''}`;
}

/** The byte in binary, with the bits outside the field as dots: "1.......". */
function bitPattern(byte: number, first: number, count: number): string {
  const bits = byte.toString(2).padStart(8, '0');
  return [...bits].map((bit, i) => (i >= first && i < first + count ? bit : '.')).join('');
}

function hexLine(bytes: Uint8Array): string {
  return bytes.length > SHOWN_BYTES ? `${toHex(bytes.subarray(0, SHOWN_BYTES))} … (${bytes.length} bytes)` : toHex(bytes);
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** "text FIN MASK key 37fa213d, 5-byte payload (7-bit length) "Hello"". */
function headline(frame: FrameSummary): string {
  const flags = [frame.fin ? 'FIN' : 'no FIN', ...(frame.rsv ? [`RSV=${frame.rsv.toString(2).padStart(3, '0')}`] : []), frame.masked ? `MASK key ${frame.maskKey}` : 'unmasked'];
  let line = `${frame.opcodeName} ${flags.join(' ')}, ${frame.payloadLength}-byte payload (${frame.lengthForm} length)`;
  if (frame.close) line += ` close ${frame.close.code}${frame.close.reason ? ` ${JSON.stringify(frame.close.reason)}` : ''}`;
  else if (frame.text !== undefined) line += ` ${JSON.stringify(frame.text.length > 60 ? `${frame.text.slice(0, 60)}…` : frame.text)}`;
  return line;
}

const ARROW = { client: 'client → server', server: 'server → client' } as const;

/**
 * One trace event as text: a line with its time (ms since `start`), connection,
 * direction and what it was; an HTTP head's lines follow, indented.
 */
export function describeEventLines(event: TraceEvent, start: number): string[] {
  const at = `+${(event.time - start).toFixed(1)}ms`.padStart(10);
  const prefix = `${at} ${event.connection}`;
  switch (event.type) {
    case 'frame': {
      const lines = [`${prefix} ${ARROW[event.from]} ${headline(event.frame)} [${event.bytes} B]`];
      lines.push(`${' '.repeat(prefix.length)}   ${event.hex.length > 2 * 24 ? `${event.hex.slice(0, 48)}…` : event.hex}`);
      for (const note of event.frame.notes) lines.push(`${' '.repeat(prefix.length)}   note: ${note}`);
      return lines;
    }
    case 'http-head':
      return [`${prefix} ${ARROW[event.from]} HTTP head [${event.bytes} B${event.exact ? '' : ', rebuilt from the parsed head'}]`, ...headLines(event.text, prefix.length)];
    case 'body':
      return [`${prefix} ${ARROW[event.from]} body [${event.bytes} B]`, ...event.text.replace(/\n+$/, '').split('\n').map((line) => `${' '.repeat(prefix.length)}   | ${line}`)];
    case 'unparsed':
      return [`${prefix} ${ARROW[event.from]} ${event.bytes} B not read as frames: ${event.reason}`];
    case 'end':
      return [`${prefix} end`];
  }
}

function headLines(text: string, indent: number): string[] {
  return text
    .split('\r\n')
    .filter((line) => line !== '')
    .map((line) => `${' '.repeat(indent)}   | ${line}`);
}
