/**
 * Incoming messages as an async iterator with flow control: when more than
 * `highWaterMark` messages wait for a slow consumer, reading from the socket
 * pauses, so TCP pushes back on the peer instead of memory growing here.
 * The iterator ends when the connection closes; `return()` (a `break` out of
 * `for await`) stops listening and resumes reading.
 */
export function messageIterator(connection, highWaterMark) {
    const queue = [];
    let waiting;
    // A connection that is already closed will never emit 'close' again: end at once.
    let done = connection.readyState === 3; // CLOSED
    const onMessage = (data, isBinary) => {
        const message = { data, isBinary };
        if (waiting) {
            const resolve = waiting;
            waiting = undefined;
            resolve({ value: message, done: false });
            return;
        }
        queue.push(message);
        if (queue.length >= highWaterMark)
            connection.pause();
    };
    const finish = () => {
        if (done)
            return;
        done = true;
        connection.off('message', onMessage);
        connection.off('close', finish);
        connection.resume();
        if (waiting) {
            const resolve = waiting;
            waiting = undefined;
            resolve({ value: undefined, done: true });
        }
    };
    if (!done) {
        connection.on('message', onMessage);
        connection.on('close', finish);
    }
    return {
        next() {
            const message = queue.shift();
            if (message) {
                if (queue.length < highWaterMark / 2)
                    connection.resume();
                return Promise.resolve({ value: message, done: false });
            }
            if (done)
                return Promise.resolve({ value: undefined, done: true });
            return new Promise((resolve) => {
                waiting = resolve;
            });
        },
        return() {
            queue.length = 0;
            finish();
            return Promise.resolve({ value: undefined, done: true });
        },
        [Symbol.asyncIterator]() {
            return this;
        },
    };
}
//# sourceMappingURL=message-iterator.js.map