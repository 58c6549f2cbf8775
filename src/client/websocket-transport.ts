// The WebSocket transport: `switchboard.v1` text frames both ways on `<base>/ws`.
import { encodeClientMessage } from '../protocol/pubsub/encode.js';
import { PUBSUB_PROTOCOL } from '../protocol/pubsub/messages.js';
import type { TransportHandle, TransportSink } from './link.js';
import type { WebSocketConstructor } from './platform.js';

export function openWebSocket(url: string, WebSocketClass: WebSocketConstructor | undefined, sink: TransportSink): TransportHandle {
  if (WebSocketClass === undefined) throw new Error('no WebSocket on this platform');
  const socket = new WebSocketClass(url, PUBSUB_PROTOCOL);
  let opened = false;
  const stop = (): void => {
    socket.onmessage = socket.onclose = socket.onerror = null;
  };
  const fail = (reason: string): void => {
    stop();
    try {
      socket.close();
    } catch {
      // Already closing or closed.
    }
    sink.fail(reason);
  };
  socket.onmessage = (event) => {
    if (typeof event.data !== 'string') return fail('binary frame: the server does not speak switchboard.v1');
    // The first frame is the server's `ping`: only now is the WebSocket known to deliver
    // (a proxy may accept the upgrade and then pass nothing).
    if (!opened) {
      opened = true;
      sink.open();
    }
    sink.message(event.data);
  };
  socket.onclose = (event) => fail(`closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
  socket.onerror = () => fail('connection error');
  return {
    send: (messages) => {
      for (const message of messages) socket.send(encodeClientMessage(message));
    },
    close: () => {
      stop();
      socket.close(1000);
    },
  };
}
