import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { subscribeTrace } from '../trace/index.js';
import { WebSocket } from '../websocket/index.js';
import { describeEventLines } from './frame-view.js';
import { type CliIo, UsageError, println } from './io.js';

export interface ConnectOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  origin?: string;
  /** Longest wait for the server to answer the ping sent before closing (ms). Default 2 s. */
  settleTimeout?: number;
  /** Print every head and frame of the connection, both ways, decoded (frame-view.ts). */
  trace?: boolean;
  /** Offer permessage-deflate (RFC 7692). Default false. */
  deflate?: boolean;
}

export const CONNECT_USAGE = `switchboard connect <ws://…> [--protocol p]… [--header 'Name: value']… [--origin o] [--trace] [--deflate]
  An interactive client: each line read is sent as a text message; incoming
  messages print as "< text" or "< <binary N bytes>". --deflate offers
  permessage-deflate. Commands:
    /ping [data]            send a ping
    /close [code] [reason]  start the closing handshake (e.g. /close 1000 bye)
    /quit                   close and exit
  The end of the input closes the connection too, so piping works:
    printf 'hello\\n/close 1000 bye\\n' | switchboard connect ws://127.0.0.1:9001
  --trace prints the handshake and every frame both ways, decoded, as the proxy does.`;

/** Payload of the pings this client sends on its own, told apart from the user's /ping. */
const SETTLE_PING = 'switchboard-connect-settle';

/**
 * Connects, sends what `io.stdin` says line by line, prints what arrives, and
 * resolves with the exit status once the connection is closed: 0 after an
 * open connection closed, 1 when it never opened.
 */
export function runConnect(url: string, options: ConnectOptions, io: CliIo): Promise<number> {
  const label = options.trace ? `connect-${++traced}` : undefined;
  const stopTrace = label === undefined ? undefined : printTrace(label, io);
  const socket = new WebSocket(url, options.protocols, { headers: options.headers, origin: options.origin, trace: label, perMessageDeflate: options.deflate === true });
  const settleTimeout = options.settleTimeout ?? 2000;
  let opened = false;
  let settle: (() => void) | undefined;

  return new Promise<number>((resolve) => {
    const lines = createInterface({ input: io.stdin, terminal: false });
    // Read no line before the connection is open: piped input waits in the stream.
    lines.pause();

    socket.on('open', () => {
      opened = true;
      const agreed = [socket.protocol && `protocol: ${socket.protocol}`, socket.extensions && `extensions: ${socket.extensions}`].filter(Boolean);
      println(io.stdout, `Connected to ${socket.url}${agreed.length > 0 ? ` (${agreed.join('; ')})` : ''}`);
      void readCommands();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      println(io.stdout, isBinary ? `< <binary ${data.length} bytes>` : `< ${data.toString('utf8')}`);
    });
    socket.on('ping', (data: Buffer) => println(io.stdout, `< ping${data.length > 0 ? ` ${data.toString('utf8')}` : ''}`));
    socket.on('pong', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text === SETTLE_PING) return settle?.();
      println(io.stdout, `< pong${text ? ` ${text}` : ''}`);
    });
    socket.on('error', (error: Error) => println(io.stderr, `error: ${error.message}`));
    socket.on('close', (code: number, reason: string) => {
      settle?.();
      lines.close();
      if (opened) println(io.stdout, `Closed: code ${code}${reason ? `, reason "${reason}"` : ''}`);
      stopTrace?.();
      resolve(opened ? 0 : 1);
    });

    async function readCommands(): Promise<void> {
      // Listen for lines before letting them flow, so that none is missed.
      const commands = lines[Symbol.asyncIterator]();
      lines.resume();
      for (;;) {
        const next = await commands.next();
        if (next.done || socket.readyState !== WebSocket.OPEN) break;
        if (!(await runLine(next.value))) break;
      }
      lines.close();
      // The input ended (or asked to close): close normally, once what was sent is answered.
      if (socket.readyState === WebSocket.OPEN) await closeAfterAnswers(1000);
    }

    /** Runs one line; false when it closed the connection. */
    async function runLine(line: string): Promise<boolean> {
      const command = /^\/(\w+)(?:\s+(.*))?$/.exec(line);
      if (!command) {
        socket.send(line);
        return true;
      }
      const [, name, rest = ''] = command;
      switch (name) {
        case 'ping':
          try {
            socket.ping(rest);
          } catch (error) {
            println(io.stderr, `error: ${(error as Error).message}`);
          }
          return true;
        case 'close': {
          const [, code, reason] = /^(\d*)\s*(.*)$/.exec(rest) ?? [];
          return !(await closeAfterAnswers(code ? Number(code) : undefined, reason || undefined));
        }
        case 'quit':
          await closeAfterAnswers(1000);
          return false;
        default:
          println(io.stderr, `Unknown command /${name}: use /ping [data], /close [code] [reason] or /quit`);
          return true;
      }
    }

    /**
     * Messages that arrive once the closing handshake has started are dropped
     * (WHATWG), so first a ping goes out, and the close waits for its pong: a
     * server answers in order, so the answers to what was sent come before it.
     * Returns false when the close was refused (a code the client may not send).
     */
    async function closeAfterAnswers(code?: number, reason?: string): Promise<boolean> {
      await new Promise<void>((done) => {
        const finish = (): void => {
          clearTimeout(timer);
          settle = undefined;
          done();
        };
        const timer = setTimeout(finish, settleTimeout);
        settle = finish;
        socket.ping(SETTLE_PING);
      });
      if (socket.readyState !== WebSocket.OPEN) return true;
      try {
        socket.close(code, reason);
        return true;
      } catch (error) {
        println(io.stderr, `error: ${(error as Error).message}`);
        return false;
      }
    }
  });
}

let traced = 0;

/** Prints the events of the connection labelled `label` as they happen; returns the stop. */
function printTrace(label: string, io: CliIo): () => void {
  let start: number | undefined;
  return subscribeTrace({ label }, (event) => {
    start ??= event.time;
    for (const line of describeEventLines(event, start)) println(io.stdout, `trace ${line}`);
  });
}

/** `switchboard connect <url>` with its options. */
export function connectCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      protocol: { type: 'string', short: 'p', multiple: true },
      header: { type: 'string', short: 'H', multiple: true },
      origin: { type: 'string', short: 'o' },
      trace: { type: 'boolean', default: false },
      deflate: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('connect takes one URL, e.g. switchboard connect ws://127.0.0.1:9001');
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`A header is 'Name: value', got '${header}'`);
    headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
  }
  return runConnect(positionals[0], { protocols: values.protocol, headers, origin: values.origin, trace: values.trace, deflate: values.deflate }, io);
}
