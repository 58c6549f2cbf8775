// The WHATWG `EventSource` interface (HTML §9.2.2–§9.2.4) on node:http/https, using the
// project's pure parser for §9.2.5/§9.2.6 and its backoff policy for reconnection.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { parseHttpUrl } from '../protocol/http-url.js';
import { EventStreamParser, type SseParseItem } from '../protocol/sse/index.js';
import {
  INITIAL_BACKOFF_STATE,
  backoffConnected,
  backoffNext,
  resolveBackoffOptions,
  type BackoffOptions,
  type BackoffState,
  type RandomSource,
} from '../protocol/reconnect/backoff.js';
import { abandonRequest } from '../long-polling/abandon-request.js';

export interface EventSourceInit {
  /** Kept for API parity with browsers; cookies are not managed by this client. */
  readonly withCredentials?: boolean;
  /** Extra request headers (e.g. Authorization), which browsers' EventSource cannot send. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Backoff between reconnections (project defaults: 1 s doubling to 60 s, ±10 %). */
  readonly backoff?: Partial<BackoffOptions>;
  /**
   * Whether a server's `retry:` replaces the backoff's first delay (it still doubles from
   * there). Default true, as the spec makes `retry:` the reconnection time.
   */
  readonly honorServerRetry?: boolean;
  /** Random source for jitter; injectable for tests. Default `Math.random`. */
  readonly random?: RandomSource;
  /** ID to resume from on the first connection (sent as `Last-Event-ID`). */
  readonly lastEventId?: string;
  /** Largest event accepted, in UTF-16 code units; a larger one drops the connection. Default 1 MiB. */
  readonly maxEventSize?: number;
  /** Redirects followed per connection attempt. Default 10. */
  readonly maxRedirects?: number;
  /** TLS and agent settings passed to node:https / node:http. */
  readonly requestOptions?: Pick<RequestOptions, 'agent' | 'ca' | 'rejectUnauthorized' | 'servername'>;
}

type Handler<E extends Event> = ((this: EventSource, event: E) => unknown) | null;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class EventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;

  readonly url: string;
  readonly withCredentials: boolean;
  onopen: Handler<Event> = null;
  onmessage: Handler<MessageEvent> = null;
  onerror: Handler<Event> = null;

  private state: 0 | 1 | 2 = 0;
  private lastId: string;
  private readonly origin: string;
  private readonly options: EventSourceInit;
  private backoffOptions: BackoffOptions;
  private backoffState: BackoffState = INITIAL_BACKOFF_STATE;
  private readonly random: RandomSource;
  private request: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  // Bumped per attempt so callbacks from an abandoned connection are ignored.
  private generation = 0;

  constructor(url: string | URL, init: EventSourceInit = {}) {
    super();
    const parsed = parseHttpUrl(url, 'EventSource');
    this.url = parsed.href;
    this.origin = parsed.origin;
    this.withCredentials = init.withCredentials ?? false;
    this.options = init;
    this.lastId = init.lastEventId ?? '';
    this.backoffOptions = resolveBackoffOptions(init.backoff);
    this.random = init.random ?? Math.random;
    // The handler attributes behave like listeners registered first.
    this.addEventListener('open', (event) => this.onopen?.call(this, event));
    this.addEventListener('message', (event) => this.onmessage?.call(this, event as MessageEvent));
    this.addEventListener('error', (event) => this.onerror?.call(this, event));
    this.connect(parsed, 0);
  }

  get readyState(): 0 | 1 | 2 {
    return this.state;
  }

  /** The last event ID string (§9.2.6), sent as `Last-Event-ID` on reconnection. */
  get lastEventId(): string {
    return this.lastId;
  }

  /** Aborts the connection and any pending reconnection; no further events fire. */
  close(): void {
    this.state = 2;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.request) abandonRequest(this.request);
    this.request = undefined;
  }

  private connect(url: URL, redirects: number): void {
    const generation = ++this.generation;
    const headers: Record<string, string> = {
      ...this.options.headers,
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
    };
    if (this.lastId !== '') headers['last-event-id'] = this.lastId;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'GET', headers, ...this.options.requestOptions });
    this.request = request;
    request.on('response', (response) => {
      if (generation !== this.generation) {
        response.destroy();
        return;
      }
      this.onResponse(url, redirects, generation, response);
    });
    request.on('error', () => {
      if (generation === this.generation) this.reestablish();
    });
    request.end();
  }

  private onResponse(url: URL, redirects: number, generation: number, response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECTS.has(status) && location !== undefined) {
      response.resume();
      if (redirects >= (this.options.maxRedirects ?? 10)) {
        this.fail();
        return;
      }
      this.connect(new URL(location, url), redirects + 1);
      return;
    }
    const type = (response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    // §9.2.3: anything but 200 with text/event-stream (204 included) fails for good.
    if (status !== 200 || type !== 'text/event-stream') {
      response.resume();
      this.fail();
      return;
    }
    this.state = 1;
    this.backoffState = backoffConnected(this.backoffState, Date.now());
    this.dispatchEvent(new Event('open'));
    const parser = new EventStreamParser({ maxEventSize: this.options.maxEventSize, initialLastEventId: this.lastId });
    const onEnd = (): void => {
      if (generation === this.generation) this.reestablish();
    };
    response.on('data', (chunk: Buffer) => {
      if (generation !== this.generation) return;
      let items: SseParseItem[];
      try {
        items = parser.push(chunk);
      } catch {
        this.reestablish();
        return;
      }
      for (const item of items) {
        if (generation !== this.generation) return;
        this.interpret(item);
      }
      // A dispatch without data still commits its id (§9.2.6 "dispatch the event", step 1).
      this.lastId = parser.lastEventId;
    });
    response.on('end', onEnd);
    response.on('error', onEnd);
    response.on('aborted', onEnd);
  }

  private interpret(item: SseParseItem): void {
    switch (item.type) {
      case 'retry':
        if (this.options.honorServerRetry ?? true) {
          const initialDelayMs = Math.min(item.retry, 2 ** 31 - 1);
          this.backoffOptions = {
            ...this.backoffOptions,
            initialDelayMs,
            maxDelayMs: Math.max(this.backoffOptions.maxDelayMs, initialDelayMs),
          };
        }
        return;
      case 'event':
        this.lastId = item.lastEventId;
        this.dispatchEvent(new MessageEvent(item.event, { data: item.data, origin: this.origin, lastEventId: item.lastEventId }));
        return;
      case 'comment':
        return;
    }
  }

  /** §9.2.3 "reestablish the connection". */
  private reestablish(): void {
    if (this.state === 2) return;
    const generation = ++this.generation;
    if (this.request) abandonRequest(this.request);
    this.request = undefined;
    this.state = 0;
    this.dispatchEvent(new Event('error'));
    if (generation !== this.generation || this.state !== 0) return; // closed by an error handler
    const { delayMs, state } = backoffNext(this.backoffState, Date.now(), this.backoffOptions, this.random);
    this.backoffState = state;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state === 0 && generation === this.generation) this.connect(new URL(this.url), 0);
    }, delayMs);
  }

  /** §9.2.3 "fail the connection". */
  private fail(): void {
    if (this.state === 2) return;
    this.generation++;
    if (this.request) abandonRequest(this.request);
    this.request = undefined;
    this.state = 2;
    this.dispatchEvent(new Event('error'));
  }
}
