import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { USAGE, runCli } from '../../src/cli/run-cli.js';
import { memoryIo } from '../support/cli/memory-io.js';
import { type SpawnedCli, spawnCli } from '../support/cli/spawn-cli.js';

const spawned: SpawnedCli[] = [];
afterEach(async () => {
  for (const cli of spawned.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exit;
  }
});

function run(args: string[], env: Record<string, string> = {}): SpawnedCli {
  const cli = spawnCli(args, env);
  spawned.push(cli);
  return cli;
}

describe('switchboard (arguments)', () => {
  it('--help prints the usage of every command and exits 0', async () => {
    for (const args of [['--help'], ['-h'], [], ['connect', '--help']]) {
      const memory = memoryIo();
      expect(await runCli(args, memory.io)).toBe(0);
      expect(memory.stdout()).toBe(USAGE);
    }
    for (const command of ['switchboard echo', 'switchboard connect', 'switchboard demo', 'switchboard autobahn-client']) {
      expect(USAGE).toContain(command);
    }
  });

  it('an unknown command prints the usage on stderr and exits 2', async () => {
    for (const name of ['bogus', 'toString', '__proto__']) {
      const memory = memoryIo();
      expect(await runCli([name], memory.io)).toBe(2);
      expect(memory.stderr()).toBe(`Unknown command: ${name}\n\n${USAGE}`);
      expect(memory.stdout()).toBe('');
    }
  });

  it('unknown options and bad ports are usage mistakes too (exit 2)', async () => {
    for (const args of [['echo', '--prot', '1'], ['echo', '--port', 'http'], ['echo', '--port', '70000'], ['demo', '--port'], ['connect', 'ws://x', '--origin']]) {
      const memory = memoryIo();
      expect(await runCli(args, memory.io)).toBe(2);
      expect(memory.stderr()).toContain('Usage: switchboard');
    }
  });

  it('reports a port in use as a failure (exit 1)', async () => {
    const first = run(['echo', '--port', '0']);
    const port = new URL(await first.url).port;
    const memory = memoryIo();
    expect(await runCli(['echo', '--port', port], memory.io)).toBe(1);
    expect(memory.stderr()).toMatch(/^switchboard echo: listen EADDRINUSE/);
  });
});

describe('switchboard (the built command)', () => {
  it('--help exits 0', async () => {
    const cli = run(['--help']);
    expect(await cli.exit).toBe(0);
    expect(cli.output()).toContain('Usage: switchboard <command>');
  });

  it('echo serves until SIGTERM, then closes its clients with 1001 and exits 0', async () => {
    const cli = run(['echo', '--port', '0']);
    const url = await cli.url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const client = new WS(url);
    const echoed = new Promise<string>((resolve) => client.once('message', (data: Buffer) => resolve(data.toString())));
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    await new Promise((resolve) => client.once('open', resolve));
    client.send('ping me back');
    expect(await echoed).toBe('ping me back');
    cli.child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await cli.exit).toBe(0);
  });

  it('demo (npm start) takes its port from PORT and exits 0 on SIGINT', async () => {
    const cli = run(['demo'], { PORT: '0' });
    const url = await cli.url;
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    const page = await fetch(url.replace('localhost', '127.0.0.1'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Switchboard echo</title>');
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
  });

  it('connect reads piped input', async () => {
    const echo = run(['echo', '--port', '0']);
    const url = await echo.url;
    const cli = run(['connect', url]);
    cli.child.stdin?.end('hello\n/close 1000 bye\n');
    expect(await cli.exit).toBe(0);
    // Our server echoes the code of a close frame, not its reason (RFC 6455 §5.5.1 leaves that free).
    expect(cli.output()).toBe(`Connected to ${url}/\n< hello\nClosed: code 1000\n`);
  });
});
