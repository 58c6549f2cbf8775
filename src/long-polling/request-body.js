/**
 * Reads a request body within a size and a time limit. A body that trickles in
 * a byte at a time must not hold a request (and its socket) forever, nor may a
 * large one be buffered whole: both end at the limit, and the caller answers
 * with the status given and `connection: close`, so the rest is never read.
 */
export function readRequestBody(request, limits) {
    if (request.readableEnded) {
        // Waiting would end only at the timeout, with a misleading 408.
        return Promise.resolve({ ok: false, status: 500, error: 'the request body was already read before this handler (put it before any body parser)' });
    }
    return new Promise((resolve) => {
        const chunks = [];
        let size = 0;
        let done = false;
        const finish = (result) => {
            if (done)
                return;
            done = true;
            clearTimeout(timer);
            request.off('data', onData);
            request.off('end', onEnd);
            if (!result.ok)
                request.pause();
            resolve(result);
        };
        const onData = (chunk) => {
            size += chunk.length;
            if (size > limits.maxBytes)
                finish({ ok: false, status: 413, error: `body exceeds ${limits.maxBytes} bytes` });
            else
                chunks.push(chunk);
        };
        const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks) });
        const timer = setTimeout(() => finish({ ok: false, status: 408, error: `body took longer than ${limits.timeoutMs} ms` }), limits.timeoutMs);
        timer.unref();
        request.on('data', onData);
        request.on('end', onEnd);
    });
}
//# sourceMappingURL=request-body.js.map