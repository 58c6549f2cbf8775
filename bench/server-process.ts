// Starts bench/echo-server.js in a child process and talks to it over IPC.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerKind, ServerReply, ServerRequest } from './echo-server.js';

export interface ServerProcess {
  readonly kind: ServerKind;
  readonly port: number;
  readonly pid: number;
  memory(): Promise<Extract<ServerReply, { type: 'memory' }>>;
  /** CPU time (user + system) the server process has used so far, in µs. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('./echo-server.js', import.meta.url));

/** `args` go after the kind (bench/echo-server.ts: permessage-deflate options as JSON). */
export async function startServer(kind: ServerKind, execArgv: string[] = [], args: string[] = []): Promise<ServerProcess> {
  const child = fork(script, [kind, ...args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextReply(child, 'ready', 10_000);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    kind,
    port: ready.port,
    pid: child.pid ?? 0,
    memory: async () => {
      const reply = nextReply(child, 'memory', 30_000);
      send(child, { type: 'memory' });
      return reply;
    },
    cpu: async () => {
      const reply = nextReply(child, 'cpu', 10_000);
      send(child, { type: 'cpu' });
      return (await reply).micros;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        send(child, { type: 'stop' });
        // A child that does not exit on request is killed: nothing outlives the benchmark.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function send(child: ChildProcess, request: ServerRequest): void {
  child.send(request);
}

function nextReply<T extends ServerReply['type']>(child: ChildProcess, type: T, timeout: number): Promise<Extract<ServerReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ServerReply): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<ServerReply, { type: T }>);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`Server process exited (code ${code}) while waiting for '${type}'`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Server process did not answer '${type}' within ${timeout} ms`));
    }, timeout);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
