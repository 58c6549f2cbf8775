
/** What the iterator needs of a connection (an interface, so this file depends on no connection class). */
export interface MessageSource {
  readonly readyState: number;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  pause(): void;
  resume(): void;
}

export interface IncomingMessage {
  data: Buffer;
  isBinary: boolean;
}

/**
 * Incoming messages as an async iterator with flow control: when more than
 * `highWaterMark` messages wait for a slow consumer, reading from the socket
 * pauses, so TCP pushes back on the peer instead of memory growing here.
 * The iterator ends when the connection closes; `return()` (a `break` out of
 * `for await`) stops listening and resumes reading.
 */
export function messageIterator(connection: MessageSource, highWaterMark: number): AsyncIterableIterator<IncomingMessage> {
  const queue: IncomingMessage[] = [];
  let waiting: ((result: IteratorResult<IncomingMessage>) => void) | undefined;
  // A connection that is already closed will never emit 'close' again: end at once.
  let done = connection.readyState === 3; // CLOSED

  const onMessage = (data: Buffer, isBinary: boolean): void => {
    const message = { data, isBinary };
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: message, done: false });
      return;
    }
    queue.push(message);
    if (queue.length >= highWaterMark) connection.pause();
  };
  const finish = (): void => {
    if (done) return;
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
    next(): Promise<IteratorResult<IncomingMessage>> {
      const message = queue.shift();
      if (message) {
        if (queue.length < highWaterMark / 2) connection.resume();
        return Promise.resolve({ value: message, done: false });
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return(): Promise<IteratorResult<IncomingMessage>> {
      queue.length = 0;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
