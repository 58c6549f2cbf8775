/**
 * The WHATWG event objects a `WebSocket` dispatches (HTML §9.3), as plain
 * classes: Node 20 has no global CloseEvent, and these stay cheap to create.
 */
export class WebSocketEvent {
  constructor(
    readonly type: string,
    readonly target: unknown,
  ) {}
}

export type MessageData = string | Buffer | ArrayBuffer | Blob | Buffer[];

export class WebSocketMessageEvent extends WebSocketEvent {
  constructor(
    target: unknown,
    readonly data: MessageData,
  ) {
    super('message', target);
  }
}

export class WebSocketCloseEvent extends WebSocketEvent {
  constructor(
    target: unknown,
    readonly code: number,
    readonly reason: string,
    readonly wasClean: boolean,
  ) {
    super('close', target);
  }
}

export class WebSocketErrorEvent extends WebSocketEvent {
  readonly message: string;
  constructor(
    target: unknown,
    readonly error: Error,
  ) {
    super('error', target);
    this.message = error.message;
  }
}

/** The event a WHATWG-style listener of each type receives (`addEventListener`, `onmessage`, …). */
export interface WebSocketEventMap {
  open: WebSocketEvent;
  message: WebSocketMessageEvent;
  close: WebSocketCloseEvent;
  error: WebSocketErrorEvent;
}
