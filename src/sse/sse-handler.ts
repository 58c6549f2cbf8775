// Request handler turning `GET /…?channel=name` into an event stream fed by a hub, for
// node:http (and so Express) and the node:http2 compatibility API alike.
import { serializeEvent } from '../protocol/sse/index.js';
import { gapNotice, isCursorTooLong, type Hub, type HubMessage, type SubscriptionEvent } from '../protocol/hub/contract.js';
import { channelOfRequest, type ChannelPicker } from '../protocol/hub/request-channel.js';
import { openSubscription } from '../protocol/hub/subscription-handle.js';
import { type TraceOption, traceExchange } from '../trace/index.js';
import { writeHead } from './write-head.js';
import { countGap, countHandshakeRejected, countResume } from '../metrics/library-metrics.js';
import { SseStream, type SseCloseReason, type SseRequest, type SseResponse, type SseStreamOptions } from './sse-stream.js';

export interface SseHandlerOptions extends SseStreamOptions {
  readonly hub: Hub;
  /** Picks the channel for a request; null/undefined answers 400. Default: the `channel` query parameter. */
  readonly channel?: ChannelPicker<SseRequest>;
  /**
   * Query parameter read when the `Last-Event-ID` header is absent, for clients that
   * cannot set headers (a browser's first EventSource connection). Default `lastEventId`.
   */
  readonly lastEventIdParam?: string;
  /** Event type of the notice sent when the hub reports missed messages. Default `gap`. */
  readonly gapEvent?: string;
  /** Called for errors that end a stream (hub unavailable); the stream is already closed. */
  readonly onError?: (error: Error, request: SseRequest) => void;
  /** Called once per stream when it ends, with why (client gone, closed, too slow). */
  readonly onStreamClose?: (reason: SseCloseReason, request: SseRequest) => void;
  /** Record a wire trace of all, none (default) or some streams: head and events as text (docs/inspector.md). */
  readonly trace?: TraceOption<SseRequest>;
}

export type SseHandler = (request: SseRequest, response: SseResponse) => void;

export function createSseHandler(options: SseHandlerOptions): SseHandler {
  const { hub } = options;
  const lastEventIdParam = options.lastEventIdParam ?? 'lastEventId';
  const gapEvent = options.gapEvent ?? 'gap';
  // One serialization per message, however many streams it goes to.
  const wire = new WeakMap<HubMessage, string>();
  const serialize = (message: HubMessage): string => {
    let text = wire.get(message);
    if (text === undefined) {
      text = serializeEvent({ id: message.id, event: message.event, data: message.data });
      wire.set(message, text);
    }
    return text;
  };

  return (request, response) => {
    if (options.trace) traceExchange(options.trace, request, response, 'sse');
    if (request.method !== 'GET') {
      reject(response, 405, 'event streams are read with GET', { allow: 'GET' });
      return;
    }
    // Checked before the 200: a stream that fails later only makes the client retry forever.
    const choice = channelOfRequest(request, options.channel);
    if (!choice.ok) {
      reject(response, 400, choice.reason);
      return;
    }
    const { channel, url } = choice;
    const header = request.headers['last-event-id'];
    const since = (typeof header === 'string' ? header : undefined) ?? url.searchParams.get(lastEventIdParam) ?? undefined;
    if (isCursorTooLong(since)) {
      reject(response, 400, 'Last-Event-ID too long');
      return;
    }

    const stream = new SseStream(response, options);
    if (since !== undefined) countResume('sse');
    const listener = (event: SubscriptionEvent): void => {
      switch (event.type) {
        case 'message':
          stream.writeRaw(serialize(event.message));
          return;
        case 'gap':
          countGap('sse');
          // No id: the client's Last-Event-ID must stay on the last message it really got.
          stream.send({ event: gapEvent, data: JSON.stringify(gapNotice(event)) });
          return;
        case 'live':
          return;
        case 'error':
          options.onError?.(event.error, request);
          stream.close();
          return;
      }
    };
    const subscription = openSubscription(hub, channel, listener, {
      since,
      onFailure: (error) => {
        options.onError?.(error, request);
        stream.close();
      },
    });
    stream.onClose((reason) => {
      subscription.stop();
      options.onStreamClose?.(reason, request);
    });
  };
}

function reject(response: SseResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  countHandshakeRejected('sse', status);
  writeHead(response, status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
  response.end(`${message}\n`);
}
