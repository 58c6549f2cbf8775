// A redis-server of the test's own, on a free port, that the fault tests can SIGKILL and
// restart without touching the shared Redis other tests use.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

export const redisServerOnPath = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export class RedisServerProcess {
  private child: ChildProcess | null = null;

  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = ['--save', '', '--appendonly', 'no'],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child !== null) throw new Error('redis-server already running');
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', ...this.extraArgs], { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + 5000;
    while (!(await ping(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** SIGSTOP: the process keeps its connections open but answers nothing, as a hung server. */
  stop(): void {
    this.signal('SIGSTOP');
  }

  /** SIGCONT: answers again, starting with whatever arrived while it was stopped. */
  resume(): void {
    this.signal('SIGCONT');
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.child === null || !this.child.kill(signal)) throw new Error(`cannot send ${signal}: redis-server is not running`);
  }

  /** For a process on its way out: SIGKILL without waiting, so nothing is left behind. */
  killNow(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }

  /** SIGKILL: no shutdown, no save, connections cut as a crash would cut them. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
