// Processes for the scale-out tests: Switchboard cluster nodes (examples/cluster, compiled
// by tsc into .examples-out) and an nginx in front of them, with its own config, pid and
// logs in a temp dir. Everything started here is a child process the caller stops.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = resolve(fileURLToPath(new URL('../../', import.meta.url)));
// Compiled into .bench-out/ for a benchmark (bench/rolling-restart.ts), the repository is one up.
const ROOT = basename(HERE) === '.bench-out' ? dirname(HERE) : HERE;
export const SHIPPED_NGINX_CONF = join(ROOT, 'examples/nginx/switchboard.conf');
const NODE_SCRIPT = join(ROOT, '.examples-out/cluster/main.js');

/** nginx's path, from PATH or the sbin directories a non-root PATH may lack; undefined when absent. */
export function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'nginx'), constants.X_OK);
      return join(dir, 'nginx');
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Compiles examples/ (it imports the built package, so `npm run build` comes first), as
 * `npm run build:examples` does, .examples-out/tsconfig.json included: Bun applies the
 * nearest tsconfig.json's `paths` to JavaScript too, and the root one maps 'switchboard'
 * to src/*.ts, so without an empty one there a node started by Bun ran the sources (and
 * found no src/client/client.bundle.js to serve).
 */
export async function compileExamples(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [tsc, '-p', join(ROOT, 'examples/tsconfig.json')], { cwd: ROOT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tsc -p examples/tsconfig.json failed:\n${stdout}${stderr}`));
      else resolve();
    });
  });
  await writeFile(join(ROOT, '.examples-out/tsconfig.json'), '{}\n');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface Child {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

function watch(child: ChildProcess): Child {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    exited,
    output: () => output,
    stop: async (graceMs = 3000) => {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running()) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ClusterNode extends Child {
  readonly id: string;
  readonly port: number;
}

/** Starts `node .examples-out/cluster/main.js` on a free port; resolves once it listens. */
export async function startClusterNode(id: string, redisUrl: string, keyPrefix: string, extraArgs: string[] = []): Promise<ClusterNode> {
  const child = spawn(process.execPath, [NODE_SCRIPT, '--port', '0', '--node-id', id, '--redis', redisUrl, '--key-prefix', keyPrefix, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watch(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${id} did not start in 15 s:\n${watched.output()}`)), 15_000);
    const onData = (): void => {
      const ready = /\{"ready":true[^\n]*\}/.exec(watched.output());
      if (ready === null) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve((JSON.parse(ready[0]) as { port: number }).port);
    };
    child.stdout?.on('data', onData);
    void watched.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`node ${id} exited before listening:\n${watched.output()}`));
    });
  });
  return { ...watched, id, port };
}

export interface Nginx extends Child {
  readonly port: number;
  readonly dir: string;
  errorLog(): Promise<string>;
  /** Stops nginx and removes its temp dir. */
  dispose(): Promise<void>;
}

/**
 * Runs nginx in the foreground with the shipped examples/nginx/switchboard.conf, its
 * upstream servers and listen port replaced, inside a minimal main config of its own.
 */
export async function startNginx(nginxPath: string, upstreamPorts: readonly number[]): Promise<Nginx> {
  const shipped = await readFile(SHIPPED_NGINX_CONF, 'utf8');
  const servers = [...shipped.matchAll(/^(\s*server\s+)127\.0\.0\.1:\d+/gm)];
  if (servers.length !== upstreamPorts.length) throw new Error(`expected ${upstreamPorts.length} upstream servers in ${SHIPPED_NGINX_CONF}, found ${servers.length}`);
  if ((shipped.match(/^\s*listen\s+\d+;/gm) ?? []).length !== 1) throw new Error(`expected one "listen <port>;" in ${SHIPPED_NGINX_CONF}`);
  const port = await freePort();
  let next = 0;
  const conf = shipped
    .replace(/^(\s*server\s+)127\.0\.0\.1:\d+/gm, (_match, start: string) => `${start}127.0.0.1:${upstreamPorts[next++]}`)
    .replace(/^(\s*listen\s+)\d+;/m, (_match, start: string) => `${start}127.0.0.1:${port};`);

  return runNginx(nginxPath, conf, port);
}

/**
 * Runs nginx with `serverBlock` (an http-context config: upstreams, maps, a server
 * listening on 127.0.0.1:`port`) inside a minimal main config of its own; ready once
 * `readyPath` answers 200 through it.
 */
export async function runNginx(nginxPath: string, serverBlock: string, port: number, readyPath = '/whoami'): Promise<Nginx> {
  const conf = serverBlock;
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-nginx-'));
  await chmod(dir, 0o755); // workers run as an unprivileged user when nginx runs as root
  await writeFile(join(dir, 'switchboard.conf'), conf);
  await writeFile(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/switchboard.conf;
}
`,
  );
  const child = spawn(nginxPath, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watch(child);
  const errorLog = (): Promise<string> => readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  const nginx: Nginx = {
    ...watched,
    port,
    dir,
    errorLog,
    dispose: async () => {
      await watched.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Ready once a request goes through it to some node.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await errorLog();
      await nginx.dispose();
      throw new Error(`nginx exited at start:\n${watched.output()}\n${log}`);
    }
    const answer = await httpGet(port, readyPath).catch(() => undefined);
    if (answer?.status === 200) return nginx;
    if (Date.now() > deadline) {
      const log = await errorLog();
      await nginx.dispose();
      throw new Error(`nginx did not answer in 10 s:\n${watched.output()}\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One GET (or POST with a body) on 127.0.0.1, from `localAddress` if given, with no agent. */
export function httpGet(port: number, path: string, options: { localAddress?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.body === undefined ? 'GET' : 'POST',
        headers: options.headers,
        localAddress: options.localAddress,
        agent: false,
        timeout: 5000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
