import { createWriteStream, type WriteStream } from 'node:fs';
import { type Server, type Socket, connect as connectTcp, createServer } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { parseArgs } from 'node:util';
import { ConnectionTrace, type TraceEvent } from '../trace/index.js';
import { describeEventLines } from './frame-view.js';
import { type CliIo, UsageError, println } from './io.js';
import { listeningUrl } from './listening-url.js';
import { parsePort } from './parse-port.js';
import { untilShutdownSignal } from './shutdown-signal.js';

export const PROXY_USAGE = `switchboard proxy --listen 9000 --target ws://host:port [--host 127.0.0.1] [--json-lines file] [--quiet]
  Sits between any WebSocket client and any server: forwards the HTTP upgrade and
  then every byte unchanged both ways, and prints each head and frame, decoded
  (a copy of the bytes is read; what is forwarded is never touched). Point the
  client at ws://127.0.0.1:9000/<path>: the request, path and Host included, goes
  to the target as the client wrote it. wss:// targets are reached over TLS.
  --json-lines writes every event as one JSON object per line (docs/inspector.md).`;

export interface ProxyOptions {
  listen: number;
  host: string;
  target: URL;
  /** Write every event as a JSON line here. */
  jsonLines?: WriteStream;
  /** Print nothing per event (only with --json-lines is that useful). */
  quiet?: boolean;
  /** Called with every event (tests). */
  onEvent?: (event: TraceEvent) => void;
}

export interface RunningProxy {
  readonly server: Server;
  readonly url: string;
  /** Stops listening and cuts the connections still open. */
  close(): Promise<void>;
}

/** Starts the proxy; each accepted connection is traced as one connection (`ws-N`). */
export async function runProxy(options: ProxyOptions, io: CliIo): Promise<RunningProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = openUpstream(options.target);
    const trace = new ConnectionTrace({ transport: 'websocket', label: 'proxy', headFirst: { client: true, server: true } });
    const start = performance.timeOrigin + performance.now();
    trace.subscribe((event) => {
      options.onEvent?.(event);
      options.jsonLines?.write(`${JSON.stringify(event)}\n`);
      if (!options.quiet) for (const line of describeEventLines(event, start)) println(io.stdout, line);
    });
    forward(client, upstream, (chunk) => trace.bytes('client', chunk));
    forward(upstream, client, (chunk) => trace.bytes('server', chunk));
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', (error) => {
        if (!options.quiet) println(io.stderr, `${trace.id}: ${socket === client ? 'client' : 'target'}: ${error.message}`);
        client.destroy();
        upstream.destroy();
      });
    }
    let open = 2;
    const closed = (socket: Socket) => () => {
      sockets.delete(socket);
      if (--open === 0) trace.end();
    };
    client.once('close', closed(client));
    upstream.once('close', closed(upstream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = listeningUrl('ws', server.address());
  println(io.stdout, `Proxy listening on ${url}, forwarding to ${options.target.host} (${options.target.protocol === 'wss:' ? 'TLS' : 'TCP'})`);
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Copies `from` to `to` unchanged, with TCP's back-pressure, and shows each
 * chunk to `observe` first; a half-close (FIN) is passed on as one.
 */
function forward(from: Socket, to: Socket, observe: (chunk: Buffer) => void): void {
  from.on('data', (chunk: Buffer) => {
    observe(chunk);
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

function openUpstream(target: URL): Socket {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (target.protocol === 'wss:') return connectTls({ host, port: Number(target.port || 443), servername: host });
  return connectTcp({ host, port: Number(target.port || 80) });
}

/** `switchboard proxy`: runs until SIGINT or SIGTERM. */
export async function proxyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      listen: { type: 'string', short: 'l' },
      host: { type: 'string', default: '127.0.0.1' },
      target: { type: 'string', short: 't' },
      'json-lines': { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`proxy takes options only, got ${positionals.join(' ')}`);
  if (values.listen === undefined || values.target === undefined) throw new UsageError('proxy needs --listen <port> and --target ws://host:port');
  const target = parseTarget(values.target);
  const jsonLines = values['json-lines'] === undefined ? undefined : createWriteStream(values['json-lines'], { flags: 'a' });
  const running = await runProxy({ listen: parsePort(values.listen), host: values.host, target, jsonLines, quiet: values.quiet }, io);
  const signal = await untilShutdownSignal();
  println(io.stdout, `${signal}: stopping the proxy`);
  await running.close();
  await new Promise<void>((resolve) => (jsonLines ? jsonLines.end(resolve) : resolve()));
  return 0;
}

export function parseTarget(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`Not a URL: ${text}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError(`The target must be ws:// or wss://, got ${text}`);
  return url;
}
