import { PassThrough, Writable } from 'node:stream';
import type { CliIo } from '../../../src/cli/io.js';

export interface MemoryIo {
  io: CliIo;
  /** What the command reads; write lines to it, end it for end of input. */
  stdin: PassThrough;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`. */
  waitForOutput(text: string, timeout?: number): Promise<void>;
}

/** A CliIo over in-memory streams. */
export function memoryIo(env: Record<string, string | undefined> = {}): MemoryIo {
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out += chunk.toString('utf8');
      for (const check of waiters) check();
      callback();
    },
  });
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      err += chunk.toString('utf8');
      callback();
    },
  });
  return {
    io: { stdin, stdout, stderr, env },
    stdin,
    stdout: () => out,
    stderr: () => err,
    waitForOutput: (text, timeout = 5000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stdout never showed ${JSON.stringify(text)}; it has:\n${out}\nstderr:\n${err}`));
        }, timeout);
        const check = (): void => {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

/** The lines written, without the empty one after the last newline. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, index, all) => line !== '' || index < all.length - 1);
}
