// Test doubles for the browser client: a clock advanced by hand, transports driven by
// hand (for the Link and the client), and a base URL.
import { encodeServerMessage } from '../../src/protocol/pubsub/encode.js';
import type { ClientMessage, ServerMessage } from '../../src/protocol/pubsub/messages.js';
import { SwitchboardClient } from '../../src/client/client.js';
import type { ClientEventName, SwitchboardEvent } from '../../src/client/events.js';
import type { OpenTransport, TransportSink } from '../../src/client/link.js';
import type { ClientOptions, TransportName } from '../../src/client/options.js';

/** setTimeout / clearTimeout / now under the test's control. */
export class FakeClock {
  time = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private lastId = 0;

  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    const id = ++this.lastId;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };
  readonly clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };
  readonly now = (): number => this.time;

  get pending(): number {
    return this.timers.size;
  }

  /** Runs every timer due within `ms`, in order of due time, then sets the clock to the end. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = end;
  }
}

/** One transport opened by the client, driven by the test. */
export class FakeTransport {
  readonly sent: ClientMessage[] = [];
  closed = false;
  constructor(
    readonly name: TransportName,
    private readonly sink: TransportSink,
  ) {}
  /** The session opens and delivers its first ping. */
  open(interval = 25_000): void {
    this.sink.open();
    this.deliver({ type: 'ping', interval });
  }
  deliver(message: ServerMessage): void {
    this.sink.message(encodeServerMessage(message));
  }
  raw(text: string): void {
    this.sink.message(text);
  }
  fail(reason = 'broken'): void {
    this.sink.fail(reason);
  }
  /** The server's wait hint (`retry:`, `Retry-After`), as the SSE and polling transports pass it. */
  retry(ms: number): void {
    this.sink.retry(ms);
  }
}

export class FakeTransports {
  readonly all: FakeTransport[] = [];
  readonly open: OpenTransport = (name, sink) => {
    const transport = new FakeTransport(name, sink);
    this.all.push(transport);
    return { send: (messages) => transport.sent.push(...messages), close: () => (transport.closed = true) };
  };
  get last(): FakeTransport {
    return this.all[this.all.length - 1];
  }
  /** Transports not closed by the client (those it still uses). */
  get live(): FakeTransport[] {
    return this.all.filter((t) => !t.closed);
  }
}

export interface Harness {
  readonly client: SwitchboardClient;
  readonly clock: FakeClock;
  readonly transports: FakeTransports;
  readonly events: Array<{ type: ClientEventName; detail: unknown }>;
}

export const EVENT_NAMES: ClientEventName[] = ['open', 'close', 'reconnecting', 'resume', 'gap', 'transport', 'error'];

/** A client on fake transports and a fake clock (random 0.5: no jitter), recording its events. */
export function harness(options: ClientOptions = {}): Harness {
  const clock = new FakeClock();
  const transports = new FakeTransports();
  const client = new SwitchboardClient('http://example.test/switchboard', { timers: clock, now: clock.now, random: () => 0.5, ...options }, transports.open);
  const events: Harness['events'] = [];
  for (const type of EVENT_NAMES) client.addEventListener(type, (event: SwitchboardEvent) => events.push({ type, detail: event.detail }));
  return { client, clock, transports, events };
}

/** Lets settled promises run their callbacks. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
