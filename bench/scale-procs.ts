// Child processes of `npm run bench:scale`: each started through `sh -c 'ulimit -n
// $(ulimit -Hn); exec node …'`, so that it may open as many files as the hard limit
// allows (the soft limit is often 1,024), and each talked to over IPC (the channel's
// descriptor survives the exec). Every child is registered here and killed when the
// benchmark ends, fails or is interrupted: nothing outlives it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  send(message: object): void;
  /** The next message of `type`; rejects if the child exits or `timeoutMs` passes first. */
  next<T extends { type: string }>(type: T['type'], timeoutMs: number): Promise<T>;
  /** Sends `request` and waits for the reply of type `reply`. */
  ask<T extends { type: string }>(request: object, reply: T['type'], timeoutMs?: number): Promise<T>;
  /** Asks the child to exit ('stop'), then kills it after 5 s. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Starts `bench/<script>` (compiled: .bench-out/bench/<script>.js) with the soft file limit raised to the hard one. */
export function startChild(name: string, script: string, args: string[] = [], execArgv: string[] = []): Child {
  const file = fileURLToPath(new URL(`./${script}.js`, import.meta.url));
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', process.execPath, ...execArgv, file, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => children.delete(child));
  const next = <T extends { type: string }>(type: T['type'], timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (message: T): void => {
        if (message.type === 'error') {
          cleanup();
          reject(new Error(`${name}: ${(message as unknown as { message: string }).message}`));
        } else if (message.type === type) {
          cleanup();
          resolve(message);
        }
      };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        reject(new Error(`${name} exited (${signal ?? code}) while waiting for '${type}'`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  const send = (message: object): void => {
    if (child.connected) child.send(message);
  };
  return {
    name,
    process: child,
    send,
    next,
    ask: (request, reply, timeoutMs = 60_000) => {
      const answer = next(reply, timeoutMs);
      send(request);
      return answer as never;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Reports an error to the parent instead of dying silently (children use it). */
export function reportErrors(): void {
  const fail = (error: unknown): void => {
    process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    setTimeout(() => process.exit(1), 100);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('disconnect', () => process.exit(0));
}
