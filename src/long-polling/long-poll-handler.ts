// Long-polling endpoint: `GET ?channel=&cursor=&client=` answers at once with what came
// after the cursor, or holds the request until something arrives or `holdMs` passes;
// `POST ?channel=` carries a client → server message. The cursor is a hub message id, so
// consecutive polls neither lose nor repeat a message.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asError } from '../protocol/errors.js';
import { HubInputError, gapNotice, isCursorTooLong, type Hub, type PublishInput, type SubscriptionEvent } from '../protocol/hub/contract.js';
import { channelOfRequest, type ChannelPicker } from '../protocol/hub/request-channel.js';
import { openSubscription, type SubscriptionHandle } from '../protocol/hub/subscription-handle.js';
import { positiveInteger } from '../protocol/integer-option.js';
import { reasonPhrase } from '../protocol/http-status.js';
import { type TraceOption, traceExchange } from '../trace/index.js';
import { readRequestBody } from './request-body.js';
import { countGap, countHttpMessagesIn, countPollAnswer, countPollHeld, countPollReleased } from '../metrics/library-metrics.js';
import { isLongPollPost, type LongPollGap, type LongPollMessage, type LongPollResponse } from './wire.js';

export interface LongPollHandlerOptions {
  readonly hub: Hub;
  /** Picks the channel; null/undefined answers 400. Default: the `channel` query parameter. */
  readonly channel?: ChannelPicker<IncomingMessage>;
  /** Longest a poll is held before an empty answer, in ms. Default 30 000. */
  readonly holdMs?: number;
  /** Most messages in one answer; the rest come with the next poll. Default 100. */
  readonly maxMessagesPerPoll?: number;
  /**
   * Most bytes of messages (as JSON) in one answer: the answer closes after the message
   * that reaches it, and the rest come with the next poll. Default 4 MiB, so that an
   * answer stays well within what a `LongPollClient` accepts (`maxResponseBytes`, 16 MiB)
   * even with one more message of the hub's largest size.
   */
  readonly maxBytesPerPoll?: number;
  /** Largest `POST` body, in bytes; larger is answered 413. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Longest time a `POST` body may take to arrive (ms); longer is answered 408. Default 60 000. */
  readonly bodyTimeoutMs?: number;
  /** Most polls held at once; beyond it a poll is answered 503 at once. Default 10 000. */
  readonly maxHeldPolls?: number;
  /**
   * Handles a `POST`. Resolves with the stored id, if any. Default: publish to the channel.
   * Throwing a `HubInputError` answers 400; any other error 500.
   */
  readonly onPost?: (message: PublishInput, channel: string, request: IncomingMessage) => Promise<string | void> | string | void;
  readonly onError?: (error: Error, request: IncomingMessage) => void;
  /** Record a wire trace of all, none (default) or some polls, each exchange as text (docs/inspector.md). */
  readonly trace?: TraceOption;
}

export type LongPollHandler = ((request: IncomingMessage, response: ServerResponse) => void) & {
  /** Polls currently held. */
  readonly heldPolls: number;
  /** Answers every held poll now (empty, same cursor), e.g. before the server shuts down. */
  close(): void;
};

const MAX_CLIENT_ID_LENGTH = 128;

interface Poll {
  finish(): void;
}

export function createLongPollHandler(options: LongPollHandlerOptions): LongPollHandler {
  const { hub } = options;
  const holdMs = options.holdMs ?? 30_000;
  const maxMessages = positiveInteger(options.maxMessagesPerPoll ?? 100, 'maxMessagesPerPoll');
  const maxBytes = positiveInteger(options.maxBytesPerPoll ?? 4 * 1024 * 1024, 'maxBytesPerPoll');
  const bodyLimits = {
    maxBytes: positiveInteger(options.maxBodyBytes ?? 64 * 1024, 'maxBodyBytes'),
    timeoutMs: positiveInteger(options.bodyTimeoutMs ?? 60_000, 'bodyTimeoutMs'),
  };
  const maxHeldPolls = options.maxHeldPolls ?? 10_000;
  if (!(holdMs >= 0) || !Number.isFinite(holdMs)) throw new RangeError('holdMs must be >= 0');
  const publish = options.onPost ?? ((message: PublishInput, channel: string) => hub.publish(channel, message));
  const held = new Set<Poll>();
  const byClient = new Map<string, Poll>();

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (options.trace) traceExchange(options.trace, request, response, 'long-polling');
    const choice = channelOfRequest(request, options.channel);
    if (!choice.ok) {
      sendJson(response, 400, { error: choice.reason });
      return;
    }
    if (request.method === 'GET') poll(request, response, choice.url, choice.channel);
    else if (request.method === 'POST') post(request, response, choice.channel);
    else sendJson(response, 405, { error: 'use GET to poll and POST to send' }, { allow: 'GET, POST' });
  };

  const poll = (request: IncomingMessage, response: ServerResponse, url: URL, channel: string): void => {
    const cursor = url.searchParams.get('cursor') ?? undefined;
    const clientId = url.searchParams.get('client') ?? undefined;
    if (isCursorTooLong(cursor) || (clientId?.length ?? 0) > MAX_CLIENT_ID_LENGTH) {
      sendJson(response, 400, { error: 'cursor or client id too long' });
      return;
    }
    if (held.size >= maxHeldPolls) {
      sendJson(response, 503, { error: 'too many held polls' }, { 'retry-after': '1' });
      return;
    }
    // A newer poll from the same client replaces the held one, which is answered empty;
    // its cursor does not move, so nothing is lost.
    if (clientId !== undefined) byClient.get(clientId)?.finish();

    const messages: LongPollMessage[] = [];
    // JSON length of `messages` (characters; bytes for ASCII): the answer closes at maxBytesPerPoll.
    let bytes = 0;
    let gap: LongPollGap | undefined;
    let headId: string | undefined;
    let live = false;
    let done = false;
    let subscription: SubscriptionHandle | undefined;
    let timer: NodeJS.Timeout | undefined;
    let flush: NodeJS.Immediate | undefined;

    const current: Poll = {
      finish: () => answer(200),
    };
    const cleanUp = (): void => {
      if (held.has(current)) countPollReleased();
      done = true;
      clearTimeout(timer);
      clearImmediate(flush);
      held.delete(current);
      if (clientId !== undefined && byClient.get(clientId) === current) byClient.delete(clientId);
      response.off('close', cleanUp);
      subscription?.stop();
    };
    const answer = (status: number, error?: Error): void => {
      if (done) return;
      cleanUp();
      if (status !== 200) {
        sendJson(response, status, { error: error?.message ?? 'unavailable' });
        return;
      }
      const last = messages.length > 0 ? messages[messages.length - 1].id : undefined;
      const body: LongPollResponse = {
        cursor: last ?? headId ?? cursor ?? '',
        messages,
        ...(gap === undefined ? {} : { gap }),
      };
      countPollAnswer(messages.length, sendJson(response, 200, body));
    };
    const listener = (event: SubscriptionEvent): void => {
      if (done) return;
      switch (event.type) {
        case 'gap':
          countGap('long-polling');
          gap = gapNotice(event);
          return;
        case 'message': {
          const { id, event: name, data } = event.message;
          const message: LongPollMessage = name === undefined ? { id, data } : { id, event: name, data };
          messages.push(message);
          bytes += JSON.stringify(message).length;
          if (messages.length >= maxMessages || bytes >= maxBytes) answer(200);
          // Live messages published in one burst go out together.
          else if (live && flush === undefined) flush = setImmediate(() => answer(200));
          return;
        }
        case 'live':
          live = true;
          headId = event.headId;
          if (messages.length > 0 || gap !== undefined) answer(200);
          else timer = setTimeout(() => answer(200), holdMs);
          return;
        case 'error':
          options.onError?.(event.error, request);
          answer(503, event.error);
          return;
      }
    };

    held.add(current);
    countPollHeld();
    if (clientId !== undefined) byClient.set(clientId, current);
    response.on('close', cleanUp);
    subscription = openSubscription(hub, channel, listener, {
      since: cursor,
      onFailure: (failure) => {
        options.onError?.(failure, request);
        answer(failure instanceof HubInputError ? 400 : 503, failure);
      },
    });
  };

  const post = (request: IncomingMessage, response: ServerResponse, channel: string): void => {
    void readRequestBody(request, bodyLimits).then((read) => {
      // Close after answering: reading the rest would let the client spend our time.
      if (!read.ok) return sendJson(response, read.status, { error: read.error }, { connection: 'close' });
      let body: unknown;
      try {
        body = JSON.parse(read.body.toString('utf8'));
      } catch {
        sendJson(response, 400, { error: 'body must be JSON: {"data": string, "event"?: string}' });
        return;
      }
      if (!isLongPollPost(body)) {
        sendJson(response, 400, { error: 'body must be JSON: {"data": string, "event"?: string}' });
        return;
      }
      const message: PublishInput = body.event === undefined ? { data: body.data } : { data: body.data, event: body.event };
      countHttpMessagesIn('long-polling', 1, read.body.length);
      Promise.resolve()
        .then(() => publish(message, channel, request))
        .then(
          (id) => sendJson(response, 200, typeof id === 'string' ? { id } : {}),
          (error: unknown) => {
            const failure = asError(error);
            if (failure instanceof HubInputError) {
              sendJson(response, 400, { error: failure.message });
              return;
            }
            options.onError?.(failure, request);
            sendJson(response, 500, { error: 'could not handle the message' });
          },
        );
    });
  };

  // defineProperties, not Object.assign: assign would copy the getter's value once.
  return Object.defineProperties(handle, {
    heldPolls: { get: () => held.size },
    close: {
      value: (): void => {
        for (const poll of [...held]) poll.finish();
      },
    },
  }) as LongPollHandler;
}

/** Answers with `body` as JSON; returns the bytes of the body sent (0 when it could not be). */
function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  if (response.headersSent || response.destroyed) return 0;
  const text = JSON.stringify(body);
  const length = Buffer.byteLength(text);
  response.writeHead(status, reasonPhrase(status), {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': length,
    // Each answer depends on the cursor and the moment; no cache may replay one.
    'cache-control': 'no-store',
  });
  response.end(text);
  return length;
}
