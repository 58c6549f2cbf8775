// Long polling through the mount (`<prefix>/poll`): each message is published while the
// client's poll for it is out, and answered to that poll, so every message costs one
// request and one response. The client is node:http with a keep-alive agent (the poll
// and the subscribe `POST` may take two connections; all of them are counted).
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { CHANNEL, HOST, PREFIX, SUBSCRIBE_BODY, SessionReader, closeServer, listen, quietSwitchboard, type OpenCarrier } from './carrier.js';
import { within, type Inbox } from './inbox.js';

interface Answer {
  readonly status: number;
  readonly body: string;
}

function exchange(port: number, agent: Agent, path: string, body?: string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const method = body === undefined ? 'GET' : 'POST';
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const request = httpRequest({ host: HOST, port, path, method, agent, headers });
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

export const openLongPolling: OpenCarrier = async (inbox: Inbox) => {
  const switchboard = quietSwitchboard();
  const server = createServer((request, response) => {
    if (!switchboard.handleRequest(request, response)) response.writeHead(404).end();
  });
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const reader = new SessionReader(inbox);
  let session = '';

  /** One poll; its messages go to the reader. */
  const poll = async (): Promise<void> => {
    const answer = await exchange(port, agent, `${PREFIX}/poll?session=${session}`);
    if (answer.status !== 200) throw new Error(`poll answered ${answer.status}`);
    for (const message of (JSON.parse(answer.body) as { messages: unknown[] }).messages) reader.read(JSON.stringify(message));
  };

  return {
    port,
    connect: async (deadline) => {
      const opened = await within(exchange(port, agent, `${PREFIX}/poll`), deadline, 'opening poll');
      if (opened.status !== 200) throw new Error(`opening poll answered ${opened.status}`);
      session = (JSON.parse(opened.body) as { session: string }).session;
      // The poll is held while the POST goes on another connection; either failing fails both.
      const [, posted] = await within(Promise.all([poll(), exchange(port, agent, `${PREFIX}/session/${session}`, SUBSCRIBE_BODY)]), deadline, 'subscribe');
      if (posted.status !== 204) throw new Error(`subscribe POST answered ${posted.status}`);
      // The poll may have been answered before the reply was queued: poll until it is there.
      while (!reader.isSubscribed) await within(poll(), deadline, 'poll for subscribed');
    },
    send: async (message) => {
      const polled = poll();
      await switchboard.hub.publish(CHANNEL, { data: message });
      // Its answer is what the measurement waits for; a failed poll fails the run.
      polled.catch((error: Error) => inbox.fail(error));
    },
    close: async () => {
      agent.destroy();
      await switchboard.close();
      await closeServer(server);
    },
  };
};
