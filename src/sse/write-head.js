import { Http2ServerResponse } from 'node:http2';
import { reasonPhrase } from '../protocol/http-status.js';
/**
 * Writes the status and headers with the reason phrase from the protocol core's
 * table. HTTP/2 has no reason phrase (RFC 9113 §8.3.2), and Node warns if given one.
 */
export function writeHead(response, status, headers) {
    if (response instanceof Http2ServerResponse)
        response.writeHead(status, headers);
    else
        response.writeHead(status, reasonPhrase(status), headers);
}
//# sourceMappingURL=write-head.js.map