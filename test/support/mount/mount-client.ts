// Raw clients of the Switchboard mount's session protocol (docs/sessions.md) for tests:
// an SSE session read with the project's parser, polls and POSTs with fetch.
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import { MemoryHub } from '../../../src/hub/index.js';
import { createSwitchboardWith, type Switchboard, type SwitchboardInternals } from '../../../src/mount/switchboard.js';
import type { SwitchboardOptions } from '../../../src/mount/index.js';
import { WebSocket } from '../../../src/websocket/index.js';
import { listen, readStream, shut, waitFor, type StreamReader } from '../sse/net.js';

export type Json = Record<string, unknown>;

export interface Mounted {
  readonly switchboard: Switchboard;
  readonly hub: MemoryHub;
  readonly server: Server;
  /** `http://127.0.0.1:<port>/switchboard` (the prefix included). */
  readonly base: string;
  readonly origin: string;
  /** Requests the server has received so far. */
  readonly requests: () => number;
  stop(): Promise<void>;
}

/** A node:http server on 127.0.0.1 whose requests go to the mount, or answer 418 `app` when not its. */
export async function startMount(options: SwitchboardOptions = {}, internals: SwitchboardInternals = {}): Promise<Mounted> {
  const hub = new MemoryHub({ epoch: 'e1' });
  const switchboard = createSwitchboardWith({ hub, ...options }, internals);
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    if (switchboard.handleRequest(request, response)) return;
    response.writeHead(418).end('app');
  });
  server.on('upgrade', (request, socket, head) => {
    if (!switchboard.handleUpgrade(request, socket, head)) socket.destroy();
  });
  const origin = await listen(server);
  return {
    switchboard,
    hub,
    server,
    origin,
    requests: () => requests,
    base: `${origin}${switchboard.prefix}`,
    stop: async () => {
      await switchboard.close();
      await hub.close();
      await shut(server);
    },
  };
}

export class SseSession {
  private constructor(
    readonly reader: StreamReader,
    readonly id: string,
    readonly interval: number,
  ) {}

  static async open(base: string, headers: OutgoingHttpHeaders = {}): Promise<SseSession> {
    const reader = await readStream(`${base}/sse`, headers);
    await waitFor(() => reader.items.some((item) => item.type === 'event') || reader.ended, 'the session event');
    const first = reader.items.find((item) => item.type === 'event');
    if (first === undefined || first.type !== 'event' || first.event !== 'session') throw new Error(`no session event: ${reader.text}`);
    const { session, interval } = JSON.parse(first.data) as { session: string; interval: number };
    return new SseSession(reader, session, interval);
  }

  /** Every event after the `session` one, as parsed JSON. */
  get messages(): Json[] {
    return this.reader.items.flatMap((item) => (item.type === 'event' && item.event === 'message' ? [JSON.parse(item.data) as Json] : []));
  }

  ofType(type: string): Json[] {
    return this.messages.filter((m) => m.type === type);
  }

  async next(match: (m: Json) => boolean, what: string): Promise<Json> {
    await waitFor(() => this.messages.some(match), what);
    return this.messages.find(match)!;
  }

  close(): void {
    this.reader.close();
  }
}

export interface PollAnswer {
  readonly status: number;
  readonly body: Json & { messages?: Json[] };
}

export async function poll(base: string, session?: string, headers: Record<string, string> = {}): Promise<PollAnswer> {
  const url = session === undefined ? `${base}/poll` : `${base}/poll?session=${encodeURIComponent(session)}`;
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as Json };
}

export async function post(base: string, session: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}/session/${session}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** A long-poll session kept going by a loop of polls, collecting every message. */
export class PollLoop {
  readonly messages: Json[] = [];
  readonly statuses: number[] = [];
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    private readonly base: string,
    readonly id: string,
    first: Json[],
  ) {
    this.messages.push(...first);
    this.done = this.run();
  }

  static async open(base: string, headers: Record<string, string> = {}): Promise<PollLoop> {
    const answer = await poll(base, undefined, headers);
    if (answer.status !== 200) throw new Error(`poll open answered ${answer.status}`);
    return new PollLoop(base, answer.body.session as string, answer.body.messages ?? []);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let answer: PollAnswer;
      try {
        answer = await poll(this.base, this.id);
      } catch {
        return; // the server went away
      }
      this.statuses.push(answer.status);
      if (answer.status !== 200) return;
      this.messages.push(...(answer.body.messages ?? []));
    }
  }

  ofType(type: string): Json[] {
    return this.messages.filter((m) => m.type === type);
  }

  async next(match: (m: Json) => boolean, what: string): Promise<Json> {
    await waitFor(() => this.messages.some(match), what);
    return this.messages.find(match)!;
  }

  /** Polls no more once the poll in flight is answered (within an interval, or when the mount closes). */
  stop(): void {
    this.stopped = true;
  }
}

export const isType =
  (type: string, channel?: string) =>
  (m: Json): boolean =>
    m.type === type && (channel === undefined || m.channel === channel);

/** A WebSocket session with the project's client, collecting every message as JSON. */
export class WsSession {
  readonly messages: Json[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString('utf8')) as Json));
    ws.on('close', (code: number, reason: Buffer) => (this.closed = { code, reason: reason.toString() }));
    ws.on('error', () => {
      // Reported through 'close'.
    });
  }

  static async open(origin: string, path: string, headers: Record<string, string> = {}): Promise<WsSession> {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}${path}`, 'switchboard.v1', { headers });
    const session = new WsSession(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', (code: number) => reject(new Error(`closed ${code} before open`)));
    });
    return session;
  }

  send(message: Json): void {
    this.ws.send(JSON.stringify(message));
  }

  ofType(type: string): Json[] {
    return this.messages.filter((m) => m.type === type);
  }

  async next(match: (m: Json) => boolean, what: string): Promise<Json> {
    await waitFor(() => this.messages.some(match), what);
    return this.messages.find(match)!;
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== undefined, 'close');
    return this.closed!;
  }

  close(): void {
    if (this.closed === undefined) this.ws.close();
  }
}
