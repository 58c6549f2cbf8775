// Three Switchboard processes (examples/cluster) on the real Redis, behind nginx with the
// shipped examples/nginx/switchboard.conf. WebSocket (ReconnectingWebSocket, switchboard.v1),
// SSE (EventSource) and long-polling (LongPollClient) clients connect through nginx and
// are spread over the processes by the sticky hash: SSE and long-poll clients from
// different 127.0.0.x source addresses, WebSocket clients by the sticky cookie (our
// WebSocket client has no localAddress option). Messages published on one process reach
// every client on every process; then one process is SIGKILLed mid-stream while
// publishing goes on, and its clients come back through nginx on another process and
// resume: every client ends with exactly the published id sequence.
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type FetchLike } from '../../src/client/index.js';
import { EventSource, LongPollClient, ReconnectingWebSocket } from '../../src/index.js';
import { IN_CI } from '../support/ci.js';
import { compileExamples, findNginx, httpGet, startClusterNode, startNginx, type ClusterNode, type Nginx } from '../support/cluster.js';
import { REDIS_URL, connectPair, deleteKeys, uniquePrefix, type RedisPair } from '../support/redis.js';

const NGINX = findNginx();
const NODE_IDS = ['n0', 'n1', 'n2'] as const;
type NodeId = (typeof NODE_IDS)[number];
const PUBLISHER: NodeId = 'n0';
const VICTIM: NodeId = 'n2';
const CHANNEL = 'ticker';
const MESSAGES = 150;
const BACKOFF = { initialDelayMs: 50, maxDelayMs: 400 };

type Transport = 'ws' | 'sse' | 'poll';
interface Stats {
  readonly node: string;
  readonly clients: Record<Transport, string[]>;
}

/** One client's view: every message id and data in arrival order, and anything else worth failing on. */
interface Received {
  readonly name: string;
  readonly transport: Transport;
  readonly home: NodeId;
  readonly ids: string[];
  readonly data: string[];
  readonly gaps: string[];
  close(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, describeState: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describeState() ? `\n${describeState()}` : ''}`);
    await sleep(25);
  }
}

describe.skipIf(NGINX === undefined && !IN_CI)('nginx in front of three processes on one Redis', () => {
  const prefix = uniquePrefix('nginx-cluster');
  const nodes = new Map<NodeId, ClusterNode>();
  const clients: Received[] = [];
  const agents: Agent[] = [];
  let nginx: Nginx | undefined;
  let redis: RedisPair | undefined;
  /** Per process, a sticky cookie nginx hashes to it (found by the first test). */
  const cookies = new Map<NodeId, string>();

  beforeAll(async () => {
    if (NGINX === undefined) return; // the test itself says why it fails
    redis = await connectPair(REDIS_URL);
    await compileExamples();
    const started = await Promise.all(NODE_IDS.map((id) => startClusterNode(id, REDIS_URL, prefix, ['--poll-hold-ms', '5000'])));
    for (const node of started) nodes.set(node.id as NodeId, node);
    nginx = await startNginx(NGINX, started.map((node) => node.port));
  }, 40_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const agent of agents) agent.destroy();
    await nginx?.dispose();
    await Promise.all([...nodes.values()].map((node) => node.stop()));
    if (redis !== undefined) {
      await deleteKeys(redis.client, prefix);
      await redis.close();
    }
  }, 20_000);

  it('spreads clients over the processes, delivers every message everywhere, and survives a SIGKILLed process', async () => {
    if (NGINX === undefined) throw new Error('nginx is not installed (not on PATH nor in /usr/sbin); .ci/run installs it with apt-get');
    const proxy = nginx!;
    const publisher = nodes.get(PUBLISHER)!;
    const victim = nodes.get(VICTIM)!;

    // Which process nginx sends a request to, for a source address or a sticky cookie.
    const nodeFor = async (options: { localAddress?: string; cookie?: string }): Promise<NodeId> => {
      const answer = await httpGet(proxy.port, '/whoami', {
        localAddress: options.localAddress,
        headers: options.cookie === undefined ? {} : { cookie: `switchboard_sticky=${options.cookie}` },
      });
      expect(answer.status).toBe(200);
      return answer.headers['x-switchboard-node'] as NodeId;
    };
    // Per process: two source addresses (SSE, long polling) and a cookie (WebSocket) that land on it.
    const addresses = new Map<NodeId, string[]>(NODE_IDS.map((id) => [id, []]));
    for (let host = 2; host < 250 && [...addresses.values()].some((list) => list.length < 2); host++) {
      const address = `127.0.0.${host}`;
      const list = addresses.get(await nodeFor({ localAddress: address }))!;
      if (list.length < 2) list.push(address);
    }
    for (let n = 0; n < 500 && cookies.size < NODE_IDS.length; n++) {
      const node = await nodeFor({ cookie: `c${n}` });
      if (!cookies.has(node)) cookies.set(node, `c${n}`);
    }
    for (const id of NODE_IDS) {
      expect(addresses.get(id), `source addresses hashed to ${id}`).toHaveLength(2);
      expect(cookies.has(id), `a cookie hashed to ${id}`).toBe(true);
      // Sticky: the same key goes to the same process every time.
      expect(await nodeFor({ localAddress: addresses.get(id)![0] })).toBe(id);
      expect(await nodeFor({ cookie: cookies.get(id)! })).toBe(id);
    }

    // Clients resume from a message published before any of them connects, so each gets
    // exactly the messages after it however long its subscription takes to go live.
    const start = await httpGet(publisher.port, `/publish?channel=${CHANNEL}`, { body: 'start' });
    expect(start.status).toBe(200);
    const startId = (JSON.parse(start.body) as { id: string }).id;

    const base = `http://127.0.0.1:${proxy.port}`;
    const record = (name: string, transport: Transport, home: NodeId, close: () => void): Received => {
      const received: Received = { name, transport, home, ids: [], data: [], gaps: [], close };
      clients.push(received);
      return received;
    };
    const reconnects = new Map<string, number>();
    for (const home of NODE_IDS) {
      const wsName = `ws-${home}`;
      const socket = new ReconnectingWebSocket(`ws://127.0.0.1:${proxy.port}/ws`, {
        backoff: BACKOFF,
        websocket: { headers: { cookie: `switchboard_sticky=${cookies.get(home)!}`, 'x-switchboard-client': wsName }, handshakeTimeout: 5000 },
      });
      const ws = record(wsName, 'ws', home, () => socket.close(1000));
      socket.addEventListener('reconnect', () => reconnects.set(wsName, (reconnects.get(wsName) ?? 0) + 1));
      socket.subscribe(
        CHANNEL,
        (event) => {
          if (event.type === 'message') {
            ws.ids.push(event.id);
            ws.data.push(event.data);
          } else if (event.type === 'gap' || event.type === 'error') ws.gaps.push(JSON.stringify(event));
        },
        { since: startId },
      );

      const [sseAddress, pollAddress] = addresses.get(home)!;
      const sseAgent = new Agent({ localAddress: sseAddress });
      const pollAgent = new Agent({ localAddress: pollAddress, keepAlive: true });
      agents.push(sseAgent, pollAgent);
      const sseName = `sse-${home}`;
      const source = new EventSource(`${base}/sse?channel=${CHANNEL}`, {
        lastEventId: startId,
        backoff: BACKOFF,
        honorServerRetry: false,
        headers: { 'x-switchboard-client': sseName },
        requestOptions: { agent: sseAgent },
      });
      const sse = record(sseName, 'sse', home, () => source.close());
      source.onmessage = (event) => {
        sse.ids.push(event.lastEventId);
        sse.data.push(String(event.data));
      };
      source.addEventListener('gap', (event) => sse.gaps.push(String((event as MessageEvent).data)));

      const pollName = `poll-${home}`;
      const poller = new LongPollClient(`${base}/poll?channel=${CHANNEL}`, {
        lastEventId: startId,
        backoff: BACKOFF,
        pollTimeoutMs: 15_000,
        headers: { 'x-switchboard-client': pollName },
        requestOptions: { agent: pollAgent },
      });
      const poll = record(pollName, 'poll', home, () => poller.close());
      poller.onmessage = (event) => {
        poll.ids.push(event.lastEventId);
        poll.data.push(String(event.data));
      };
      poller.addEventListener('gap', (event) => poll.gaps.push(String((event as MessageEvent).data)));
    }

    const stats = async (id: NodeId): Promise<Stats> => JSON.parse((await httpGet(nodes.get(id)!.port, '/stats')).body) as Stats;
    const servedBy = async (id: NodeId, client: Received): Promise<boolean> => (await stats(id)).clients[client.transport].includes(client.name);

    // Every client is on the process its key hashes to, and on no other.
    await until('every client to reach its process', async () => {
      for (const client of clients) if (!(await servedBy(client.home, client))) return false;
      return true;
    }, 15_000);
    for (const client of clients) {
      for (const other of NODE_IDS) if (other !== client.home) expect(await servedBy(other, client), `${client.name} on ${other}`).toBe(false);
    }

    // Publish on one process; kill another once its clients are mid-stream.
    const published: string[] = [];
    const publishedData: string[] = [];
    const victimClients = clients.filter((client) => client.home === VICTIM);
    const state = (): string => clients.map((c) => `${c.name}: ${c.data.length} received, last ${c.data.at(-1) ?? '-'}, gaps ${c.gaps.length}`).join('\n');
    let killedAt = -1;
    for (let n = 0; n < MESSAGES; n++) {
      if (n === 50) {
        await until('the doomed process to have delivered some messages', () => victimClients.every((client) => client.data.length >= 5), 10_000, state);
        for (const client of victimClients) expect(client.data.length, `${client.name} already complete before the kill`).toBeLessThan(MESSAGES);
        killedAt = n;
        victim.child.kill('SIGKILL');
      }
      const data = `m${n}`;
      const answer = await httpGet(publisher.port, `/publish?channel=${CHANNEL}`, { body: data });
      expect(answer.status, answer.body).toBe(200);
      published.push((JSON.parse(answer.body) as { id: string }).id);
      publishedData.push(data);
      await sleep(10);
    }
    expect(killedAt).toBe(50);
    await victim.exited;

    await until('every client to receive every message', () => clients.every((client) => client.data.length >= MESSAGES), 25_000, state);
    await sleep(300); // anything duplicated late would show up here

    for (const client of clients) {
      expect(client.gaps, `${client.name} gaps`).toEqual([]);
      expect(client.data, `${client.name} data`).toEqual(publishedData);
      expect(client.ids, `${client.name} ids`).toEqual(published);
    }
    // The dead process's clients came back through nginx on a surviving process.
    const survivors = NODE_IDS.filter((id) => id !== VICTIM);
    for (const client of victimClients) {
      const where = await Promise.all(survivors.map((id) => servedBy(id, client)));
      expect(where.some(Boolean), `${client.name} reconnected to a surviving process`).toBe(true);
    }
    expect(reconnects.get(`ws-${VICTIM}`) ?? 0).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("carries the browser client's SSE and polling sessions: stream, polls and POSTs reach the process holding the session", async () => {
    if (NGINX === undefined) throw new Error('nginx is not installed (not on PATH nor in /usr/sbin); .ci/run installs it with apt-get');
    const survivors = NODE_IDS.filter((id) => id !== VICTIM);
    expect(survivors.every((id) => cookies.has(id)), 'cookies found by the first test').toBe(true);
    const channel = 'client-room';
    const base = `http://127.0.0.1:${nginx!.port}/switchboard`;
    const pages = survivors.flatMap((home) =>
      (['sse', 'polling'] as const).map((transport) => {
        // A page's cookie jar: every request of the session carries the sticky cookie.
        const cookie = `switchboard_sticky=${cookies.get(home)!}`;
        const client = connect(base, {
          transports: [transport],
          backoff: BACKOFF,
          fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, cookie } }) as unknown as ReturnType<FetchLike>,
        });
        const page = { name: `${transport}-${home}`, client, data: [] as string[], gaps: [] as string[], live: false };
        client.subscribe(channel, (event) => {
          if (event.type === 'subscribed') page.live = true;
          else if (event.type === 'message') page.data.push(event.data);
          else page.gaps.push(JSON.stringify(event));
        });
        return page;
      }),
    );
    try {
      await until('every session to go live', () => pages.every((page) => page.live), 15_000);
      // Each page publishes through its own session (POSTs to the process holding it).
      const PER_PAGE = 10;
      const ids = await Promise.all(pages.map(async (page) => {
        const own: string[] = [];
        for (let n = 0; n < PER_PAGE; n++) own.push(await page.client.publish(channel, `${page.name}:${n}`));
        return own;
      }));
      expect(ids.flat().every((id) => /^[0-9A-Za-z_]+-\d+$/.test(id))).toBe(true);
      const total = PER_PAGE * pages.length;
      await until('every page to receive every message', () => pages.every((page) => page.data.length >= total), 15_000);
      await sleep(300);
      const order = pages[0]!.data;
      expect(new Set(order).size).toBe(total);
      for (const page of pages) {
        expect(page.gaps, `${page.name} gaps`).toEqual([]);
        // One id space behind the backplane: every page sees the same order.
        expect(page.data, `${page.name} data`).toEqual(order);
        expect(page.client.transport).toBe(page.name.startsWith('sse') ? 'sse' : 'polling');
      }
      // Per page, its own publishes arrive in the order it made them.
      for (const page of pages) expect(order.filter((d) => d.startsWith(`${page.name}:`))).toEqual(Array.from({ length: PER_PAGE }, (_, n) => `${page.name}:${n}`));
    } finally {
      for (const page of pages) page.client.close();
    }
  }, 40_000);
});
