import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LeanWebSocketServer } from '../websocket/index.js';
import { ECHO_HANDLERS } from './echo-handler.js';
import { type CliIo, println } from './io.js';
import { listeningUrl } from './listening-url.js';
import { untilShutdownSignal } from './shutdown-signal.js';
import { parsePort } from './parse-port.js';
import { secureEchoServer } from './secure-echo-server.js';

export interface EchoOptions {
  port: number;
  host: string;
  /** Accept permessage-deflate (RFC 7692), compressing every echo. Default true. */
  deflate?: boolean;
  /** Serve wss:// with this certificate and key (PEM): HTTP/1.1 upgrades and RFC 8441 streams on one port. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface RunningEchoServer {
  readonly server: LeanWebSocketServer;
  /** ws://host:port (wss:// with TLS), with the real port when 0 was asked for. */
  readonly url: string;
  /** Closes every client with 1001 (Going Away), then the server. */
  close(): Promise<void>;
}

export const ECHO_USAGE = `switchboard echo [--port 9001] [--host 127.0.0.1] [--no-deflate] [--cert FILE --key FILE]
  A WebSocket echo server: every message comes back with its type (text or binary).
  It accepts permessage-deflate and compresses every echo, so conformance suites
  (Autobahn groups 12 and 13) exercise compression; --no-deflate declines it.
  With --cert and --key (PEM files) it serves wss:// over TLS, where ALPN picks
  HTTP/1.1 upgrades or WebSockets over HTTP/2 streams (RFC 8441) per connection.`;

/**
 * Starts an echo server with the library's default limits, which take what
 * Autobahn's fuzzing client sends (group 9: messages up to 16 MiB, 4 MiB in
 * 64-byte fragments, within maxPayload 100 MiB and maxFragments 262,144).
 * permessage-deflate is on, unlike the library's default, with no threshold:
 * every echo of a client that offered it is compressed.
 */
export async function runEcho(options: EchoOptions, io: CliIo): Promise<RunningEchoServer> {
  const perMessageDeflate = options.deflate === false ? false : { threshold: 0 };
  const secure = options.tls && secureEchoServer(options.tls, perMessageDeflate);
  // The lean face: the same connections with no listeners or closures of their own (docs/scaling.md).
  const server = secure?.server ?? new LeanWebSocketServer({ port: options.port, host: options.host, perMessageDeflate, handlers: ECHO_HANDLERS });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    secure?.http2Server.listen(options.port, options.host);
  });
  server.on('error', (error: Error) => println(io.stderr, `error: ${error.message}`));
  const url = listeningUrl(secure ? 'wss' : 'ws', server.address());
  println(io.stdout, `Echo server listening on ${url}${secure ? ' (HTTP/1.1 and HTTP/2)' : ''}`);
  return {
    server,
    url,
    close: () => secure?.close() ?? new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `switchboard echo`: runs until SIGINT or SIGTERM. */
export async function echoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', short: 'p', default: '9001' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-deflate': { type: 'boolean', default: false },
      cert: { type: 'string' },
      key: { type: 'string' },
    },
  });
  if ((values.cert === undefined) !== (values.key === undefined)) throw new Error('--cert and --key go together');
  const tls = values.cert && values.key ? { cert: readFileSync(values.cert), key: readFileSync(values.key) } : undefined;
  const running = await runEcho({ port: parsePort(values.port), host: values.host, deflate: !values['no-deflate'], tls }, io);
  const signal = await untilShutdownSignal();
  println(io.stdout, `${signal}: closing clients with 1001 (Going Away)`);
  await running.close();
  return 0;
}
