import { parseArgs } from 'node:util';
import { annotateFrames, explainAccept, fromHex } from '../protocol/inspector/index.js';
import { describeFrameLines } from './frame-view.js';
import { type CliIo, UsageError, println } from './io.js';

export const INSPECT_USAGE = `switchboard inspect [hex…] [--accept <Sec-WebSocket-Key> [--expect <accept>]]
  Decodes WebSocket frames given as hex (arguments, or stdin when there are none;
  spaces, colons and 0x are fine) and prints each field with its bytes, bits and
  meaning (RFC 6455 §5.2), the unmasking, close codes and text. --accept explains
  the Sec-WebSocket-Accept computation for a key instead (§4.2.2).
    switchboard inspect 81 85 37 fa 21 3d 7f 9f 4d 51 58`;

/** Most hex read from stdin (characters): the frames of a paste, not a capture file. */
const MAX_INPUT = 16 * 1024 * 1024;

export async function inspectCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { accept: { type: 'string' }, expect: { type: 'string' } },
  });
  if (values.accept !== undefined) {
    const explained = explainAccept(values.accept, values.expect);
    for (const [i, step] of explained.steps.entries()) println(io.stdout, `${i + 1}. ${step.name.padEnd(11)} ${step.value}\n   ${step.explanation}`);
    return explained.matches === false ? 1 : 0;
  }
  if (values.expect !== undefined) throw new UsageError('--expect goes with --accept');
  const text = positionals.length > 0 ? positionals.join(' ') : await readAll(io);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (bytes.length === 0) throw new UsageError('inspect needs hex bytes, as arguments or on stdin');
  const { frames, rest, failure } = annotateFrames(bytes);
  frames.forEach((frame, i) => {
    if (i > 0) println(io.stdout, '');
    for (const line of describeFrameLines(frame, i + 1)) println(io.stdout, line);
  });
  if (failure !== undefined) println(io.stdout, `cannot read further: ${failure}`);
  else if (rest > 0) println(io.stdout, `${frames.length > 0 ? '\n' : ''}incomplete frame: ${rest} more byte${rest === 1 ? '' : 's'} given, the frame needs more`);
  return failure !== undefined || frames.length === 0 ? 1 : 0;
}

async function readAll(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += String(chunk);
    if (text.length > MAX_INPUT) throw new UsageError(`More than ${MAX_INPUT} characters of hex on stdin`);
  }
  return text;
}
