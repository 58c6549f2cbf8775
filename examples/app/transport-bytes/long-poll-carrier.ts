// Long polling through the mount (`<prefix>/poll`): each message is published while the
// client's poll for it is out, and answered to that poll, so every message costs one
// request and one response. The client is node:http with a keep-alive agent (the poll
// and the subscribe `POST` may take two connections; all of them are counted).
import { Agent } from 'node:http';
import { PREFIX, SUBSCRIBE_BODY, SessionReader, startMount, type OpenCarrier } from './carrier.js';
import { exchange } from './http1-exchange.js';
import { within, type Inbox } from './inbox.js';

export const openLongPolling: OpenCarrier = async (inbox: Inbox) => {
  const mount = await startMount('http1');
  const agent = new Agent({ keepAlive: true });
  const reader = new SessionReader(inbox);
  let session = '';
  /** The port the client connects to (the counting relay's). */
  let via = 0;

  /** One poll; its messages go to the reader. */
  const poll = async (): Promise<void> => {
    const answer = await exchange(via, agent, `${PREFIX}/poll?session=${session}`);
    if (answer.status !== 200) throw new Error(`poll answered ${answer.status}`);
    for (const message of (JSON.parse(answer.body) as { messages: unknown[] }).messages) reader.read(JSON.stringify(message));
  };

  return {
    port: mount.port,
    connect: async (deadline, port) => {
      via = port;
      const opened = await within(exchange(via, agent, `${PREFIX}/poll`), deadline, 'opening poll');
      if (opened.status !== 200) throw new Error(`opening poll answered ${opened.status}`);
      session = (JSON.parse(opened.body) as { session: string }).session;
      // The poll is held while the POST goes on another connection; either failing fails both.
      const subscribe = exchange(via, agent, `${PREFIX}/session/${session}`, SUBSCRIBE_BODY);
      const [, posted] = await within(Promise.all([poll(), subscribe]), deadline, 'subscribe');
      if (posted.status !== 204) throw new Error(`subscribe POST answered ${posted.status}`);
      // The poll may have been answered before the reply was queued: poll until it is there.
      while (!reader.isSubscribed) await within(poll(), deadline, 'poll for subscribed');
    },
    send: async (message) => {
      // The poll's answer is what the measurement waits for; a failed poll fails the run.
      poll().catch((error: Error) => inbox.fail(error));
      await mount.publish(message);
    },
    close: async () => {
      agent.destroy();
      await mount.close();
    },
  };
};
