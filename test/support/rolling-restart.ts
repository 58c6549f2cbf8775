// A rolling restart behind nginx, as an operator would run it: three cluster processes
// (examples/cluster, --drain-ms) on one Redis behind the shipped nginx config, universal
// clients (src/client, every transport) and ReconnectingWebSockets spread over them by
// the sticky cookie, some publishing through their sessions all along; then each process
// in turn gets SIGTERM (it stops listening and drains: every client told to come back at
// once, i.e. to another process), exits, and a new one starts on its port. What it
// measures goes to the test (test/scaling/rolling-restart.test.ts: nothing lost or
// repeated) and to the benchmark (bench/rolling-restart.ts: how long each step takes and
// how the clients moved). The truth is a subscriber of the test's own on the hub.
import { connect, type ChannelEvent, type FetchLike, type SwitchboardClient, type TransportName, type WebSocketConstructor } from '../../src/client/index.js';
import type { Subscription } from '../../src/protocol/hub/contract.js';
import { ReconnectingWebSocket } from '../../src/index.js';
import { WebSocket, type WebSocketClientOptions } from '../../src/websocket/index.js';
import { httpGet, startClusterNode, startNginx, type ClusterNode, type Nginx } from './cluster.js';
import { REDIS_URL, connectPair, deleteKeys, redisHub, uniquePrefix } from './redis.js';

export interface RollOptions {
  readonly nginxPath: string;
  /** Universal clients per transport per process. Default 2. */
  readonly clientsPerTransport?: number;
  /** ReconnectingWebSocket clients per process. Default 1. */
  readonly legacyPerNode?: number;
  /** Clients that also publish (the first ones, over all transports). Default 3. */
  readonly publishers?: number;
  /** Pause between a publisher's messages, in ms. Default 25. */
  readonly publishEveryMs?: number;
  /** The drain window of each process. Default 1 000 ms. */
  readonly drainMs?: number;
  /** Quiet time after a restarted process is back in nginx's rotation. Default 500 ms. */
  readonly settleMs?: number;
  readonly log?: (line: string) => void;
}

export interface RollStep {
  readonly node: string;
  /** SIGTERM → the process printed that its drain is over. */
  readonly drainMs: number;
  /** Drain over → the process exited. */
  readonly exitMs: number;
  /** Exit → the new process listens. */
  readonly startMs: number;
  /** Listening → nginx sends it a request again (its fail_timeout after the refused connections). */
  readonly backMs: number;
  /** Sessions per process (mount + pub/sub WebSockets) just before the SIGTERM and once the new one is back. */
  readonly before: Readonly<Record<string, number>>;
  readonly after: Readonly<Record<string, number>>;
}

export interface RollClient {
  readonly name: string;
  readonly transport: TransportName | 'legacy-ws';
  readonly home: string;
  readonly ids: string[];
  readonly gaps: string[];
  /** The wait before each reconnection, and why. */
  readonly waits: Array<{ readonly delay: number; readonly reason: string }>;
}

export interface RollResult {
  readonly steps: RollStep[];
  readonly clients: RollClient[];
  /** Every id the hub stored after the start, in order (the test's own subscriber). */
  readonly truth: string[];
  /** Ids the publishers got back for their publishes. */
  readonly acknowledged: string[];
  /** Publishes rejected (the session ended before the answer) and sent again. */
  readonly retried: number;
  readonly totalMs: number;
}

const NODE_IDS = ['n0', 'n1', 'n2'];
const CHANNEL = 'rolling';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, state: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${state()}`);
    await sleep(20);
  }
}

/** A WebSocket class for the universal client that sends the page's sticky cookie, as a browser would. */
function cookieWebSocket(cookie: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string, protocols: string) {
      super(url, protocols, { headers: { cookie } } satisfies WebSocketClientOptions);
    }
  } as unknown as WebSocketConstructor;
}

export async function rollingRestart(options: RollOptions): Promise<RollResult> {
  const log = options.log ?? (() => {});
  const perTransport = options.clientsPerTransport ?? 2;
  const legacyPerNode = options.legacyPerNode ?? 1;
  const drainMs = options.drainMs ?? 1000;
  const settleMs = options.settleMs ?? 500;
  const prefix = uniquePrefix('rolling');
  const redis = await connectPair(REDIS_URL);
  const monitorHub = redisHub(redis, { keyPrefix: prefix });
  const args = ['--drain-ms', String(drainMs), '--heartbeat-ms', '5000'];
  const nodes = new Map<string, ClusterNode>();
  const universal: SwitchboardClient[] = [];
  const legacy: ReconnectingWebSocket[] = [];
  let nginx: Nginx | undefined;
  let monitor: Subscription | undefined;
  let publishing = true;
  const publishers: Promise<void>[] = [];
  try {
    const started = await Promise.all(NODE_IDS.map((id) => startClusterNode(id, REDIS_URL, prefix, args)));
    for (const node of started) nodes.set(node.id, node);
    const ports = new Map(started.map((node) => [node.id, node.port]));
    nginx = await startNginx(options.nginxPath, started.map((node) => node.port));
    const proxy = nginx;

    // Sticky cookies per process, by asking nginx where each lands.
    const nodeFor = async (cookie: string): Promise<string> => {
      const answer = await httpGet(proxy.port, '/whoami', { headers: { cookie: `switchboard_sticky=${cookie}` } });
      return String(answer.headers['x-switchboard-node']);
    };
    const cookies = new Map<string, string[]>(NODE_IDS.map((id) => [id, []]));
    const wanted = 3 * perTransport + legacyPerNode;
    for (let n = 0; n < 5000 && [...cookies.values()].some((list) => list.length < wanted); n++) {
      const list = cookies.get(await nodeFor(`k${n}`))!;
      if (list.length < wanted) list.push(`k${n}`);
    }

    // The truth: every id stored after `start`, from a subscriber of our own on the hub.
    const truth: string[] = [];
    const startId = await monitorHub.publish(CHANNEL, { data: 'start' });
    monitor = await monitorHub.subscribe(CHANNEL, (event) => {
      if (event.type === 'message') truth.push(event.message.id);
    }, { since: startId });

    const clients: RollClient[] = [];
    const live = new Set<string>();
    const base = `http://127.0.0.1:${proxy.port}/switchboard`;
    for (const home of NODE_IDS) {
      const keys = [...cookies.get(home)!];
      for (const transport of ['websocket', 'sse', 'polling'] as const) {
        for (let i = 0; i < perTransport; i++) {
          const cookie = `switchboard_sticky=${keys.shift()!}`;
          const name = `${transport}-${home}-${i}`;
          const client = connect(base, {
            transports: [transport],
            WebSocket: cookieWebSocket(cookie),
            fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, cookie } }) as unknown as ReturnType<FetchLike>,
            backoff: { initialDelayMs: 100, maxDelayMs: 2000 },
          });
          universal.push(client);
          const record: RollClient = { name, transport, home, ids: [], gaps: [], waits: [] };
          clients.push(record);
          client.addEventListener('reconnecting', (event) => {
            const { detail } = event as unknown as { detail: { delay: number; reason: string } };
            record.waits.push({ delay: detail.delay, reason: detail.reason });
          });
          client.subscribe(CHANNEL, (event: ChannelEvent) => {
            if (event.type === 'subscribed') live.add(name);
            else if (event.type === 'message') record.ids.push(event.id);
            else record.gaps.push(JSON.stringify(event));
          }, { since: startId });
        }
      }
      for (let i = 0; i < legacyPerNode; i++) {
        const name = `legacy-ws-${home}-${i}`;
        const socket = new ReconnectingWebSocket(`ws://127.0.0.1:${proxy.port}/ws`, {
          backoff: { initialDelayMs: 100, maxDelayMs: 2000 },
          websocket: { headers: { cookie: `switchboard_sticky=${keys.shift()!}` }, handshakeTimeout: 5000 },
        });
        legacy.push(socket);
        const record: RollClient = { name, transport: 'legacy-ws', home, ids: [], gaps: [], waits: [] };
        clients.push(record);
        socket.addEventListener('reconnect', (event) => {
          const { delayMs, reason } = event as unknown as { delayMs: number; reason: string };
          record.waits.push({ delay: delayMs, reason: String(reason) });
        });
        socket.subscribe(CHANNEL, (event) => {
          if (event.type === 'subscribed') live.add(name);
          else if (event.type === 'message') record.ids.push(event.id);
          else record.gaps.push(JSON.stringify(event));
        }, { since: startId });
      }
    }
    const state = (): string => clients.map((c) => `${c.name}: ${c.ids.length}/${truth.length}, gaps ${c.gaps.length}, waits ${c.waits.length}`).join('\n');
    await until('every client to subscribe', () => live.size === clients.length, 20_000, state);

    // Publishers: the first universal clients of each transport, in turn.
    const acknowledged: string[] = [];
    let retried = 0;
    const publisherCount = Math.min(options.publishers ?? 3, universal.length);
    const records = clients.filter((c) => c.transport !== 'legacy-ws');
    const kinds = ['websocket', 'sse', 'polling'] as const;
    for (let k = 0; k < publisherCount; k++) {
      const index = records.map((c, i) => (c.transport === kinds[k % 3] ? i : -1)).filter((i) => i >= 0)[Math.floor(k / 3)];
      if (index === undefined) continue;
      const client = universal[index];
      const name = records[index].name;
      publishers.push((async () => {
        for (let n = 0; publishing; n++) {
          for (let attempt = 0; publishing; attempt++) {
            try {
              acknowledged.push(await client.publish(CHANNEL, `${name}:${n}:${attempt}`));
              break;
            } catch {
              retried++;
              await sleep(50);
            }
          }
          await sleep(options.publishEveryMs ?? 25);
        }
      })());
    }

    const sessions = async (): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const id of NODE_IDS) {
        const answer = await httpGet(ports.get(id)!, '/stats').catch(() => undefined);
        const stats = answer?.status === 200 ? (JSON.parse(answer.body) as { mountSessions: number; open: { ws: number } }) : undefined;
        out[id] = stats === undefined ? 0 : stats.mountSessions + stats.open.ws;
      }
      return out;
    };

    const began = Date.now();
    await sleep(settleMs);
    const steps: RollStep[] = [];
    for (const [index, id] of NODE_IDS.entries()) {
      const node = nodes.get(id)!;
      const before = await sessions();
      const t0 = Date.now();
      node.child.kill('SIGTERM');
      await until(`${id} to drain`, () => node.output().includes('"drained":true'), drainMs + 15_000, () => node.output());
      const t1 = Date.now();
      await node.exited;
      const t2 = Date.now();
      // The new process on the same port: nginx's upstream list does not change.
      const fresh = await startClusterNode(id, REDIS_URL, prefix, [...args, '--port', String(ports.get(id))]);
      nodes.set(id, fresh);
      const t3 = Date.now();
      // Back in rotation: a key that hashes to it reaches it through nginx again.
      const key = cookies.get(id)![0];
      await until(`nginx to send ${id} requests again`, async () => (await nodeFor(key).catch(() => '')) === id, 20_000);
      const t4 = Date.now();
      await sleep(settleMs);
      const after = await sessions();
      steps.push({ node: id, drainMs: t1 - t0, exitMs: t2 - t1, startMs: t3 - t2, backMs: t4 - t3, before, after });
      log(`step ${index + 1}: ${id} drained in ${t1 - t0} ms, exited ${t2 - t1} ms later, restarted in ${t3 - t2} ms, back in nginx after ${t4 - t3} ms; sessions ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
    publishing = false;
    await Promise.all(publishers);
    const totalMs = Date.now() - began;

    // Everything published has reached our subscriber; then every client has it all.
    await sleep(300);
    const last = await monitorHub.publish(CHANNEL, { data: 'end' });
    await until('the truth to be complete', () => truth.at(-1) === last, 10_000);
    await until('every client to receive every message', () => clients.every((c) => c.ids.length >= truth.length), 30_000, state);
    await sleep(300); // anything repeated late would show now
    return { steps, clients, truth: [...truth], acknowledged, retried, totalMs };
  } finally {
    publishing = false;
    await Promise.allSettled(publishers);
    for (const client of universal) client.close();
    for (const socket of legacy) socket.close(1000);
    await monitor?.unsubscribe().catch(() => undefined);
    await nginx?.dispose();
    await Promise.all([...nodes.values()].map((node) => node.stop()));
    await monitorHub.close().catch(() => undefined);
    await deleteKeys(redis.client, prefix).catch(() => undefined);
    await redis.close();
  }
}
