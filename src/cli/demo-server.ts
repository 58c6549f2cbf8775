import { type Server, createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { reasonPhrase } from '../protocol/http-status.js';
import { WebSocketServer } from '../websocket/index.js';
import { DEMO_PAGE } from './demo-page.js';
import { echoMessages } from './echo-handler.js';
import { type CliIo, println } from './io.js';
import { listeningUrl } from './listening-url.js';
import { parsePort } from './parse-port.js';
import { untilShutdownSignal } from './shutdown-signal.js';

export interface DemoOptions {
  port: number;
  host: string;
}

export interface RunningDemo {
  readonly http: Server;
  readonly webSockets: WebSocketServer;
  /** http://host:port of the page. */
  readonly url: string;
  close(): Promise<void>;
}

export const DEMO_USAGE = `switchboard demo [--port 8080] [--host 127.0.0.1]
  A page at / that talks to a WebSocket echo at /ws (port also from PORT).`;

/** An HTTP server with the demo page at `/` and a WebSocket echo at `/ws`, on one port. */
export async function startDemoServer(options: DemoOptions): Promise<RunningDemo> {
  const http = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, reasonPhrase(404), { 'Content-Type': 'text/plain' }).end('Not found: the page is at / and the WebSocket at /ws\n');
      return;
    }
    response.writeHead(200, reasonPhrase(200), { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : DEMO_PAGE);
  });
  const webSockets = new WebSocketServer({ server: http, path: '/ws' });
  webSockets.on('connection', echoMessages);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const url = listeningUrl('http', http.address());
  return {
    http,
    webSockets,
    url,
    close: async () => {
      await new Promise<void>((resolve) => webSockets.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** `switchboard demo` (what `npm start` runs): serves until SIGINT or SIGTERM. */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', short: 'p', default: io.env.PORT ?? '8080' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const demo = await startDemoServer({ port: parsePort(values.port), host: values.host });
  const shown = values.host === '127.0.0.1' ? demo.url.replace('127.0.0.1', 'localhost') : demo.url;
  println(io.stdout, `Demo on ${shown}: open it in a browser (WebSocket echo at ${shown.replace(/^http/, 'ws')}/ws)`);
  await untilShutdownSignal();
  await demo.close();
  return 0;
}
