// The few platform pieces the client uses, typed structurally so that a browser's
// globals, Node's (>= 22 for WebSocket) and test fakes all fit, whatever `lib` the
// application compiles with.

/** A handler type checked bivariantly, so a DOM `WebSocket` (whose handlers take a `MessageEvent`) fits. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the client needs of a WHATWG `WebSocket`. */
export interface WebSocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols: string) => WebSocketLike;

/** What the client needs of a `fetch` response. */
export interface ResponseLike {
  readonly status: number;
  /** Read for `Retry-After` on a refusal (a server draining for a restart). */
  readonly headers?: { get(name: string): string | null };
  readonly body: {
    getReader(): { read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array }>; cancel(): Promise<void> };
  } | null;
  json(): Promise<unknown>;
}

export interface RequestInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  cache?: 'no-store';
  signal?: AbortSignal;
}

/** What the client needs of `fetch`. */
export type FetchLike = (url: string, init: RequestInitLike) => Promise<ResponseLike>;

/** `setTimeout` / `clearTimeout`, replaceable by a fake clock in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
