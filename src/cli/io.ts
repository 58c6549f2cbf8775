import type { Readable, Writable } from 'node:stream';

/**
 * The streams and environment a command uses, passed in rather than taken from
 * `process`, so tests can drive a command with in-memory streams.
 */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Writes one line to a stream. */
export function println(stream: Writable, line: string): void {
  stream.write(`${line}\n`);
}

/** A command-line mistake: the message is printed with the usage, and the exit status is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
