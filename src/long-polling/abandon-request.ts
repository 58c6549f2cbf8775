import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Destroys a request for good, as `request.destroy(error)` does on Node. Deno 2.9
 * sends a request destroyed on a kept-alive socket again on a new connection, and
 * reports neither 'error' nor 'close' (denoland/deno#36786): a poll given up for its
 * timeout went on as a new request. A socket the request gets after this is destroyed
 * before anything is written to it, and the request ends with 'error' as on Node.
 */
export function abandonRequest(request: ClientRequest, error?: Error): void {
  request.on('socket', destroySocket);
  request.destroy(error);
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}
