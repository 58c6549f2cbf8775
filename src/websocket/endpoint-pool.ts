import { type EndpointEvent, type EndpointSettings, WebSocketProtocol } from '../protocol/websocket/index.js';

/**
 * A few spare endpoints, so that a connection whose bytes start moving again
 * takes one instead of making one. The adapter lets a connection's endpoint go
 * whenever it is at rest (a quiet connection keeps none), which on a busy
 * server happens after nearly every read: without spares, each read would make
 * an endpoint and its frame parser anew.
 */
export class EndpointPool<Receiver> {
  private readonly spare: WebSocketProtocol<Receiver>[] = [];

  constructor(
    private readonly onEvent: (this: Receiver, event: EndpointEvent) => void,
    /** How many spares to keep: enough for the connections that read in one turn, few enough not to matter. */
    private readonly size = 16,
  ) {}

  /** An endpoint for `receiver`: a spare one with the same settings, or a new one. */
  take(settings: EndpointSettings, receiver: Receiver): WebSocketProtocol<Receiver> {
    const spare = this.spare.pop();
    if (spare === undefined || spare.settings !== settings) return new WebSocketProtocol(settings, this.onEvent, receiver);
    spare.reuse(receiver);
    return spare;
  }

  /** Keeps an endpoint its connection let go; it must be at rest and no longer referred to by anyone. */
  give(endpoint: WebSocketProtocol<Receiver>): void {
    if (this.spare.length < this.size && endpoint.atRest) this.spare.push(endpoint);
  }
}
