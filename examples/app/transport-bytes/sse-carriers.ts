// SSE through the mount (`<prefix>/sse`, the session stream of docs/sessions.md) over
// HTTP/1.1 and over HTTP/2 (h2c): the same handler, so the difference is the HTTP
// framing. The client subscribes with one `POST <prefix>/session/<id>`; over HTTP/1.1
// that is a second connection (the stream holds the first), over HTTP/2 a second stream
// on the one connection. Both count as the handshake.
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as http2Connect, createServer as createHttp2Server, type ClientHttp2Session } from 'node:http2';
import { EventStreamParser } from 'switchboard/protocol';
import { CHANNEL, HOST, PREFIX, SUBSCRIBE_BODY, SessionReader, closeServer, listen, quietSwitchboard, type OpenCarrier } from './carrier.js';
import { within, type Inbox } from './inbox.js';

/**
 * Reads the session stream: the `session` event's id settles `session`, every other
 * event is a `switchboard.v1` message for the reader.
 */
class SessionStream {
  private readonly parser = new EventStreamParser();
  readonly session: Promise<string>;
  private named!: (id: string) => void;

  constructor(
    private readonly reader: SessionReader,
    private readonly inbox: Inbox,
  ) {
    this.session = new Promise<string>((resolve) => (this.named = resolve));
  }

  push(chunk: Buffer): void {
    for (const item of this.parser.push(chunk)) {
      if (item.type !== 'event') continue;
      if (item.event === 'session') this.named((JSON.parse(item.data) as { session: string }).session);
      else this.reader.read(item.data);
    }
  }

  ended(): void {
    this.inbox.fail(new Error('the event stream ended during the run'));
  }
}

export const openSseHttp1: OpenCarrier = async (inbox) => {
  const switchboard = quietSwitchboard();
  const server = createServer((request, response) => {
    if (!switchboard.handleRequest(request, response)) response.writeHead(404).end();
  });
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const reader = new SessionReader(inbox);
  const stream = new SessionStream(reader, inbox);
  return {
    port,
    connect: async (deadline) => {
      const get = httpRequest({ host: HOST, port, path: `${PREFIX}/sse`, agent });
      get.on('response', (response: IncomingMessage) => {
        response.on('data', (chunk: Buffer) => stream.push(chunk));
        response.on('end', () => stream.ended());
      });
      get.on('error', (error) => inbox.fail(error));
      get.end();
      const session = await within(stream.session, deadline, 'SSE session event');
      const status = await post1(port, agent, `${PREFIX}/session/${session}`, SUBSCRIBE_BODY);
      if (status !== 204) throw new Error(`subscribe POST answered ${status}`);
      await within(reader.subscribed, deadline, 'subscribed');
    },
    send: async (message) => {
      await switchboard.hub.publish(CHANNEL, { data: message });
    },
    close: async () => {
      agent.destroy();
      await switchboard.close();
      await closeServer(server);
    },
  };
};

function post1(port: number, agent: Agent, path: string, body: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const post = httpRequest({ host: HOST, port, path, method: 'POST', agent, headers: { 'content-type': 'application/json' } });
    post.on('response', (response: IncomingMessage) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    post.on('error', reject);
    post.end(body);
  });
}

export const openSseHttp2: OpenCarrier = async (inbox) => {
  const switchboard = quietSwitchboard();
  const server = createHttp2Server();
  server.on('request', (request, response) => {
    if (!switchboard.handleRequest(request, response)) response.writeHead(404).end();
  });
  const port = await listen(server);
  const reader = new SessionReader(inbox);
  const stream = new SessionStream(reader, inbox);
  let client: ClientHttp2Session | undefined;
  return {
    port,
    connect: async (deadline) => {
      client = http2Connect(`http://${HOST}:${port}`);
      client.on('error', (error) => inbox.fail(error));
      const events = client.request({ ':path': `${PREFIX}/sse` });
      events.on('data', (chunk: Buffer) => stream.push(chunk));
      events.on('end', () => stream.ended());
      events.on('error', (error) => inbox.fail(error));
      const session = await within(stream.session, deadline, 'SSE session event (HTTP/2)');
      const status = await post2(client, `${PREFIX}/session/${session}`, SUBSCRIBE_BODY);
      if (status !== 204) throw new Error(`subscribe POST answered ${status}`);
      await within(reader.subscribed, deadline, 'subscribed');
    },
    send: async (message) => {
      await switchboard.hub.publish(CHANNEL, { data: message });
    },
    close: async () => {
      client?.destroy();
      await switchboard.close();
      await closeServer(server);
    },
  };
};

function post2(client: ClientHttp2Session, path: string, body: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const post = client.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' });
    let status = 0;
    post.on('response', (headers) => (status = Number(headers[':status'])));
    post.on('error', reject);
    post.on('end', () => resolve(status));
    post.resume();
    post.end(body);
  });
}
