// Long-polling client with the EventSource event API (open / message / named events /
// error, readyState, lastEventId, close()), plus send() for client → server messages.
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { parseHttpUrl } from '../protocol/http-url.js';
import {
  INITIAL_BACKOFF_STATE,
  backoffConnected,
  backoffNext,
  resolveBackoffOptions,
  type BackoffOptions,
  type BackoffState,
  type RandomSource,
} from '../protocol/reconnect/backoff.js';
import { isLongPollResponse, type LongPollResponse } from './wire.js';
import { abandonRequest } from './abandon-request.js';

export interface LongPollClientInit {
  /** Extra request headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Backoff after failed polls (project defaults: 1 s doubling to 60 s, ±10 %). */
  readonly backoff?: Partial<BackoffOptions>;
  /** Random source for jitter; injectable for tests. Default `Math.random`. */
  readonly random?: RandomSource;
  /** Cursor to resume from (a message id seen earlier). Default: only what is published from now on. */
  readonly lastEventId?: string;
  /** Identifies this client so a newer poll replaces a held one on the server. Default: a random UUID. */
  readonly clientId?: string;
  /** A poll not answered within this many ms is abandoned and retried. Default 45 000 (server hold 30 s + slack). */
  readonly pollTimeoutMs?: number;
  /** Largest answer accepted, in bytes. Default 16 MiB. */
  readonly maxResponseBytes?: number;
  /** TLS and agent settings passed to node:https / node:http. */
  readonly requestOptions?: Pick<RequestOptions, 'agent' | 'ca' | 'rejectUnauthorized' | 'servername'>;
}

/** A poll answered with an HTTP status that retrying cannot fix (4xx): the client stops. */
export class LongPollHttpError extends Error {
  override readonly name = 'LongPollHttpError';
  constructor(readonly status: number) {
    super(`long poll answered HTTP ${status}`);
  }
}

type Handler<E extends Event> = ((this: LongPollClient, event: E) => unknown) | null;

export class LongPollClient extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;

  readonly url: string;
  readonly clientId: string;
  onopen: Handler<Event> = null;
  onmessage: Handler<MessageEvent> = null;
  onerror: Handler<Event> = null;

  private state: 0 | 1 | 2 = 0;
  private cursor: string;
  private readonly origin: string;
  private readonly options: LongPollClientInit;
  private readonly backoffOptions: BackoffOptions;
  private backoffState: BackoffState = INITIAL_BACKOFF_STATE;
  private readonly random: RandomSource;
  private inFlight: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(url: string | URL, init: LongPollClientInit = {}) {
    super();
    const parsed = parseHttpUrl(url, 'LongPollClient');
    this.url = parsed.href;
    this.origin = parsed.origin;
    this.options = init;
    this.cursor = init.lastEventId ?? '';
    this.clientId = init.clientId ?? randomUUID();
    this.backoffOptions = resolveBackoffOptions(init.backoff);
    this.random = init.random ?? Math.random;
    this.addEventListener('open', (event) => this.onopen?.call(this, event));
    this.addEventListener('message', (event) => this.onmessage?.call(this, event as MessageEvent));
    this.addEventListener('error', (event) => this.onerror?.call(this, event));
    this.poll();
  }

  get readyState(): 0 | 1 | 2 {
    return this.state;
  }

  /** The cursor: id of the last message received (or the server's head after an empty poll). */
  get lastEventId(): string {
    return this.cursor;
  }

  /** Stops polling and aborts the held request; no further events fire. */
  close(): void {
    this.state = 2;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight) abandonRequest(this.inFlight);
    this.inFlight = undefined;
  }

  /** Sends a message to the server (`POST`); resolves with the id the server gave it, if any. */
  async send(data: string, options: { readonly event?: string } = {}): Promise<string | undefined> {
    const body = JSON.stringify(options.event === undefined ? { data } : { data, event: options.event });
    const { status, text } = await this.http(new URL(this.url), 'POST', body, this.options.maxResponseBytes ?? 16 * 1024 * 1024);
    if (status !== 200) throw new LongPollHttpError(status);
    const parsed = JSON.parse(text) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  }

  private poll(): void {
    const generation = ++this.generation;
    const url = new URL(this.url);
    if (this.cursor !== '') url.searchParams.set('cursor', this.cursor);
    url.searchParams.set('client', this.clientId);
    this.http(url, 'GET', undefined, this.options.maxResponseBytes ?? 16 * 1024 * 1024, (request) => {
      this.inFlight = request;
    }).then(
      ({ status, text }) => {
        if (generation !== this.generation) return;
        this.inFlight = undefined;
        if (status === 200) {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (isLongPollResponse(body)) this.deliver(body, generation);
          else this.reestablish();
        } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
          this.fail();
        } else {
          this.reestablish();
        }
      },
      () => {
        if (generation === this.generation) {
          this.inFlight = undefined;
          this.reestablish();
        }
      },
    );
  }

  private deliver(body: LongPollResponse, generation: number): void {
    if (this.state !== 1) {
      this.state = 1;
      this.backoffState = backoffConnected(this.backoffState, Date.now());
      this.dispatchEvent(new Event('open'));
      if (generation !== this.generation) return;
    }
    if (body.gap !== undefined) {
      this.dispatchEvent(new MessageEvent('gap', { data: JSON.stringify(body.gap), origin: this.origin, lastEventId: this.cursor }));
      if (generation !== this.generation) return;
    }
    for (const message of body.messages) {
      this.cursor = message.id;
      this.dispatchEvent(new MessageEvent(message.event ?? 'message', { data: message.data, origin: this.origin, lastEventId: message.id }));
      if (generation !== this.generation) return;
    }
    this.cursor = body.cursor;
    this.poll();
  }

  private reestablish(): void {
    if (this.state === 2) return;
    const generation = ++this.generation;
    this.state = 0;
    this.dispatchEvent(new Event('error'));
    if (generation !== this.generation) return;
    const { delayMs, state } = backoffNext(this.backoffState, Date.now(), this.backoffOptions, this.random);
    this.backoffState = state;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (generation === this.generation) this.poll();
    }, delayMs);
  }

  private fail(): void {
    if (this.state === 2) return;
    this.generation++;
    this.state = 2;
    this.dispatchEvent(new Event('error'));
  }

  private http(
    url: URL,
    method: 'GET' | 'POST',
    body: string | undefined,
    maxBytes: number,
    onRequest?: (request: ClientRequest) => void,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...this.options.headers, accept: 'application/json' };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, { method, headers, timeout: this.options.pollTimeoutMs ?? 45_000, ...this.options.requestOptions });
      onRequest?.(request);
      request.on('timeout', () => abandonRequest(request, new Error('long poll timed out')));
      request.on('error', reject);
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size > maxBytes) return;
          size += chunk.length;
          if (size > maxBytes) {
            chunks.length = 0;
            // Reject first, then destroy without an error: nothing is left to report it to.
            reject(new Error(`long poll answer exceeds ${maxBytes} bytes`));
            abandonRequest(request);
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('long poll answer aborted')));
      });
      request.end(body);
    });
  }
}
