// Which request opened each tab's session, so "cut my connection" can drop that
// tab's transport the way a network does: its TCP connection destroyed, no close
// frame, no last event. A page names itself by subscribing to `tab:<random id>`.
import type { SwitchboardRequest } from 'switchboard';

/** Tabs remembered; the oldest is forgotten first. */
const MAX_TABS = 10_000;

const socketIds = new WeakMap<object, number>();
let lastSocketId = 0;

export class TabRegistry {
  private readonly requests = new Map<string, SwitchboardRequest>();

  remember(tab: string, request: SwitchboardRequest): void {
    this.requests.delete(tab);
    this.requests.set(tab, request);
    if (this.requests.size > MAX_TABS) this.requests.delete(this.requests.keys().next().value!);
  }

  /**
   * Destroys the socket of the tab's latest session: a WebSocket or an SSE stream ends
   * as if the network dropped it. (A long-polling session is a series of requests; the
   * one that opened it may be gone, and the next poll then simply goes on.)
   */
  /**
   * What the tab's session socket carried so far, measured by Node (TCP payload bytes:
   * frames, or stream and HTTP heads), with a number naming the socket so a reader can
   * tell a reconnection from a counter that went backwards. Undefined when unknown.
   */
  wire(tab: string): { socket: number; bytesRead: number; bytesWritten: number; at: number } | undefined {
    const socket = this.requests.get(tab)?.socket;
    if (socket === undefined) return undefined;
    let id = socketIds.get(socket);
    if (id === undefined) socketIds.set(socket, (id = ++lastSocketId));
    return { socket: id, bytesRead: socket.bytesRead, bytesWritten: socket.bytesWritten, at: Date.now() };
  }

  cut(tab: string): boolean {
    const request = this.requests.get(tab);
    if (request === undefined || request.socket.destroyed) return false;
    request.socket.destroy();
    return true;
  }
}
