// SSE through the mount (`<prefix>/sse`, the session stream of docs/sessions.md) over
// HTTP/1.1 and over HTTP/2 (h2c): the same handler, so the difference is the HTTP
// framing. The client subscribes with one `POST <prefix>/session/<id>`; over HTTP/1.1
// that is a second connection (the stream holds the first), over HTTP/2 a second stream
// on the one connection. Both count as the handshake.
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { EventStreamParser } from 'switchboard/protocol';
import { HOST, PREFIX, SUBSCRIBE_BODY, SessionReader, startMount, type OpenCarrier } from './carrier.js';
import { exchange } from './http1-exchange.js';
import { within, type Inbox } from './inbox.js';

/**
 * Reads the session stream: the `session` event's id settles `session`, every other
 * event is a `switchboard.v1` message for the reader.
 */
class SessionStream {
  private readonly parser = new EventStreamParser();
  readonly reader: SessionReader;
  readonly session: Promise<string>;
  private named!: (id: string) => void;

  constructor(private readonly inbox: Inbox) {
    this.reader = new SessionReader(inbox);
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
  const mount = await startMount('http1');
  const agent = new Agent({ keepAlive: true });
  const stream = new SessionStream(inbox);
  return {
    port: mount.port,
    connect: async (deadline, via) => {
      const get = httpRequest({ host: HOST, port: via, path: `${PREFIX}/sse`, agent });
      get.on('response', (response: IncomingMessage) => {
        response.on('data', (chunk: Buffer) => stream.push(chunk));
        response.on('end', () => stream.ended());
      });
      get.on('error', (error) => inbox.fail(error));
      get.end();
      const session = await within(stream.session, deadline, 'SSE session event');
      const posted = await within(exchange(via, agent, `${PREFIX}/session/${session}`, SUBSCRIBE_BODY), deadline, 'subscribe POST');
      if (posted.status !== 204) throw new Error(`subscribe POST answered ${posted.status}`);
      await within(stream.reader.subscribed, deadline, 'subscribed');
    },
    send: (message) => mount.publish(message),
    close: async () => {
      agent.destroy();
      await mount.close();
    },
  };
};

export const openSseHttp2: OpenCarrier = async (inbox) => {
  const mount = await startMount('http2');
  const stream = new SessionStream(inbox);
  let client: ClientHttp2Session | undefined;
  return {
    port: mount.port,
    connect: async (deadline, via) => {
      client = http2Connect(`http://${HOST}:${via}`);
      client.on('error', (error) => inbox.fail(error));
      const events = client.request({ ':path': `${PREFIX}/sse` });
      events.on('data', (chunk: Buffer) => stream.push(chunk));
      events.on('end', () => stream.ended());
      events.on('error', (error) => inbox.fail(error));
      const session = await within(stream.session, deadline, 'SSE session event (HTTP/2)');
      const status = await within(post2(client, `${PREFIX}/session/${session}`, SUBSCRIBE_BODY), deadline, 'subscribe POST (HTTP/2)');
      if (status !== 204) throw new Error(`subscribe POST answered ${status}`);
      await within(stream.reader.subscribed, deadline, 'subscribed');
    },
    send: (message) => mount.publish(message),
    close: async () => {
      client?.destroy();
      await mount.close();
    },
  };
};

/** A `POST` as one more stream of the HTTP/2 connection; resolves with its status. */
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
