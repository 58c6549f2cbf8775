// The server side of `npm run bench:storm`: switchboard.v1 pub/sub over WebSocket on a
// MemoryHub, in a process of its own that the benchmark SIGKILLs and starts again. It
// records, on its own clock (epoch ms, shared by every process of the machine), each TCP
// accept, each completed WebSocket handshake and each client's first subscribe, plus its
// CPU time every 100 ms: the storm measured where it lands rather than by clients whose
// own timers lag on a busy machine. Told to 'drain', it restarts gracefully (1012 over a
// window, with a restart hint) instead of waiting to be killed. With --wait it loads and then listens only when told,
// so that a restart's downtime is the benchmark's choice rather than Node's start-up time
// on a busy machine. Exits when told, or when the parent goes away. With --mount it serves
// the Switchboard mount (`/switchboard/ws`, for the universal client) instead of a bare
// pub/sub server, and drains it with `switchboard.drain`.
//   node storm-server.js [--port 0] [--backlog 511] [--wait] [--mount]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { MemoryHub } from '../src/hub/index.js';
import { createSwitchboard } from '../src/mount/index.js';
import { createPubSubServer } from '../src/pubsub/index.js';

export interface StormServerReport {
  type: 'report';
  /** Epoch ms of each TCP connection accepted. */
  accepts: number[];
  /** Epoch ms of each completed WebSocket handshake. */
  handshakes: number[];
  /** Epoch ms of each client's first subscribe on this server (one per client id). */
  resumes: number[];
  /** CPU time (user + system, ms) used in each 100 ms slice, and when the slice ended. */
  cpu: Array<{ at: number; ms: number }>;
}

export type StormServerMessage =
  | { type: 'loaded' }
  | { type: 'ready'; port: number; listeningAt: number }
  | { type: 'drained' }
  | { type: 'progress'; handshakes: number; resumed: number }
  | StormServerReport;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    backlog: { type: 'string', default: '511' },
    wait: { type: 'boolean', default: false },
    mount: { type: 'boolean', default: false },
  },
});
const send = (message: StormServerMessage): void => {
  process.send?.(message);
};

const accepts: number[] = [];
const handshakes: number[] = [];
const resumes: number[] = [];
const resumedIds = new Set<string>();
const cpu: StormServerReport['cpu'] = [];

const http = createServer();
http.on('connection', () => accepts.push(Date.now()));
/** The client id the load puts in the URL (`/?c=123`). */
const clientId = (url: string | undefined): string => new URL(url ?? '/', 'http://x').searchParams.get('c') ?? '';
// Not a policy: the hook that tells when a client's subscribe arrived.
const authorize = (request: { url?: string }, _channel: string, action: string): boolean => {
  if (action === 'subscribe') {
    const id = clientId(request.url);
    if (!resumedIds.has(id)) {
      resumedIds.add(id);
      resumes.push(Date.now());
    }
  }
  return true;
};
const hub = new MemoryHub();
let drain: (windowMs: number, retryAfterMs: number) => Promise<void>;
if (values.mount) {
  // Room for every client twice over: sessions of the killed server's clients are not
  // counted here, but a storm must not meet the default limit of 10,000.
  const switchboard = createSwitchboard({ hub, authorize, maxSessions: 100_000 });
  http.on('upgrade', (request, socket, head) => {
    // A completed handshake is the 101 written on the socket.
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    let first = true;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (first) {
        first = false;
        if (String(chunk).startsWith('HTTP/1.1 101')) handshakes.push(Date.now());
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    if (!switchboard.handleUpgrade(request, socket, head)) socket.destroy();
  });
  http.on('request', (request, response) => {
    if (!switchboard.handleRequest(request, response)) response.writeHead(404).end();
  });
  drain = (windowMs, retryAfterMs) => switchboard.drain({ windowMs, retryAfterMs });
} else {
  const pubsub = createPubSubServer({ hub, server: { server: http }, authorize });
  pubsub.wss.on('connection', () => handshakes.push(Date.now()));
  drain = (windowMs, retryAfterMs) => pubsub.drain({ windowMs, retryAfterMs });
}

let last = process.cpuUsage();
const cpuTimer = setInterval(() => {
  const now = process.cpuUsage();
  cpu.push({ at: Date.now(), ms: (now.user - last.user + now.system - last.system) / 1000 });
  last = now;
}, 100);
const progressTimer = setInterval(() => send({ type: 'progress', handshakes: handshakes.length, resumed: resumedIds.size }), 250);

const listen = (): void => {
  http.listen(Number(values.port), '127.0.0.1', Number(values.backlog), () => {
    const address = http.address();
    send({ type: 'ready', port: address !== null && typeof address === 'object' ? address.port : 0, listeningAt: Date.now() });
  });
};

type Command = { type: 'listen' | 'report' | 'stop' } | { type: 'drain'; windowMs: number; retryAfterMs: number };

process.on('message', (message: Command) => {
  if (message.type === 'listen') listen();
  if (message.type === 'drain') {
    // A graceful restart: no new connections, then the open ones closed over the window.
    http.close();
    void drain(message.windowMs, message.retryAfterMs).then(() => send({ type: 'drained' }));
  }
  if (message.type === 'report') send({ type: 'report', accepts, handshakes, resumes, cpu });
  if (message.type === 'stop') {
    clearInterval(cpuTimer);
    clearInterval(progressTimer);
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
if (values.wait) send({ type: 'loaded' });
else listen();
