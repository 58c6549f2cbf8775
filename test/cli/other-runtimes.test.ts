import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { type SpawnedCli, spawnCliWith } from '../support/cli/spawn-cli.js';

// The built `switchboard` command started by Bun and by Deno instead of Node, as the
// README shows (`bun dist/cli/main.js echo`, `deno run -A dist/cli/main.js echo`),
// answering a `ws` client on Node. The binaries are this repo's devDependencies.

const bin = (name: string): string => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));
const RUNTIMES: [string, string[]][] = [
  ['Bun', [bin('bun')]],
  ['Deno', [bin('deno'), 'run', '-A']],
];

const spawned: SpawnedCli[] = [];
afterEach(async () => {
  for (const cli of spawned.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exit;
  }
});

describe.each(RUNTIMES)('switchboard under %s', (_name, runtime) => {
  function run(args: string[]): SpawnedCli {
    expect(existsSync(runtime[0]!), `${runtime[0]}: run npm ci (bun and deno are devDependencies)`).toBe(true);
    const cli = spawnCliWith(runtime, args);
    spawned.push(cli);
    return cli;
  }

  it('echo answers a ws client (text, binary, permessage-deflate), then closes with 1001 on SIGTERM and exits 0', async () => {
    const cli = run(['echo', '--port', '0']);
    const url = await cli.url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const client = new WS(url); // ws offers permessage-deflate; echo accepts it
    const received: [string, boolean][] = [];
    const two = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer, isBinary: boolean) => {
        received.push([isBinary ? data.toString('hex') : data.toString(), isBinary]);
        if (received.length === 2) resolve();
      }),
    );
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    expect(client.extensions).toContain('permessage-deflate');
    client.send('ping me back, é€𝄞');
    client.send(Buffer.from([0, 1, 254, 255]));
    await two;
    expect(received).toEqual([
      ['ping me back, é€𝄞', false],
      ['0001feff', true],
    ]);
    cli.child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await cli.exit).toBe(0);
  });

  it('connect sends piped lines to an echo server and prints the answers', async () => {
    const echo = run(['echo', '--port', '0']);
    const url = await echo.url;
    const cli = run(['connect', url]);
    cli.child.stdin?.end('hello\n/close 1000 bye\n');
    expect(await cli.exit).toBe(0);
    expect(cli.output()).toBe(`Connected to ${url}/\n< hello\nClosed: code 1000\n`);
  });
});
