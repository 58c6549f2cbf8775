import { Http2ServerResponse, constants as h2 } from 'node:http2';
import { writeHead } from '../sse/write-head.js';
/** A JSON answer, never cached: every answer of a session is about now. */
export function sendJson(response, status, body, headers = {}) {
    sendJsonText(response, status, JSON.stringify(body), headers);
}
/** `sendJson` with the body already serialized (a poll answer joins messages already encoded). */
export function sendJsonText(response, status, text, headers = {}) {
    if (response.headersSent) {
        response.end();
        return;
    }
    writeHead(response, status, {
        ...headers,
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
    });
    response.end(text);
}
export function sendEmpty(response, status, headers = {}) {
    writeHead(response, status, headers);
    response.end();
}
/**
 * Answers a request whose body is refused half-read (too large, too slow), so that the
 * rest is never read. HTTP/1.1: `connection: close`. HTTP/2 forbids that header (RFC 9113
 * §8.2.2); there the stream is reset with NO_ERROR once the answer is out, which tells the
 * client to stop sending the body (RFC 9113 §8.1).
 */
export function refuseBody(request, response, status, error) {
    if (!(response instanceof Http2ServerResponse)) {
        sendJson(response, status, { error }, { connection: 'close' });
        return;
    }
    sendJson(response, status, { error });
    // With NO_ERROR the reset waits until the answer is written (RFC 9113 §8.1: the client
    // must then stop sending). Until it lands, what arrives is dropped unread: a paused
    // request would keep the client's flow-control window shut, and the stream open.
    request.resume();
    response.stream.close(h2.NGHTTP2_NO_ERROR);
}
//# sourceMappingURL=http-reply.js.map