// The floor under bench:deflate's no-context-takeover cells: the zlib work of echoing one
// compressed cursor update (~46 B), inflate then deflate, with no WebSocket around it, done
// three ways. "5 jobs" is what ws does per message (write + tail + flush to inflate, write +
// flush to deflate, each a trip to libuv's thread pool); "2 jobs" is one sync-flushed write
// each way (Switchboard with context takeover, and large messages); "inline" is a zlib stream
// of its own per message, on the main thread (Switchboard's small messages without takeover).
// 4 lanes × 1 message at a time each for the pooled ways, as 4 connections inflate one at a time.
//   tsc -p bench/tsconfig.json && node .bench-out/bench/deflate-floor.js [--messages=20000] [--rounds=3]
import { type DeflateRaw, type InflateRaw, constants, createDeflateRaw, createInflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';

const { Z_SYNC_FLUSH } = constants;
const TAIL = Buffer.of(0x00, 0x00, 0xff, 0xff);
const messages = Array.from({ length: 1024 }, (_, i) =>
  Buffer.from(JSON.stringify({ type: 'cursor', user: `u-${i % 50}`, x: (i * 37) % 1920, y: (i * 91) % 1080 })),
);
const compressed = messages.map((message) => deflateRawSync(message, { finishFlush: Z_SYNC_FLUSH }).subarray(0, -4));

type Way = '5 jobs (ws)' | '2 jobs' | 'inline';

function inline(count: number): void {
  for (let i = 0; i < count; i++) {
    const input = Buffer.concat([compressed[i % compressed.length], TAIL]);
    const inflated = inflateRawSync(input, { finishFlush: Z_SYNC_FLUSH });
    deflateRawSync(inflated, { finishFlush: Z_SYNC_FLUSH });
  }
}

/** One message through a lane's streams, reset after as without context takeover. */
function echo(inflate: InflateRaw, deflate: DeflateRaw, data: Buffer, jobs: 5 | 2, sink: { in: Buffer[]; out: Buffer[] }): Promise<void> {
  return new Promise((resolve) => {
    const deflated = (): void => {
      Buffer.concat(sink.out);
      sink.out = [];
      deflate.reset();
      resolve();
    };
    const inflated = (): void => {
      const message = Buffer.concat(sink.in);
      sink.in = [];
      inflate.reset();
      if (jobs === 2) deflate.write(message, deflated);
      else {
        deflate.write(message);
        deflate.flush(Z_SYNC_FLUSH, deflated);
      }
    };
    if (jobs === 2) inflate.write(Buffer.concat([data, TAIL]), inflated);
    else {
      inflate.write(data);
      inflate.write(TAIL);
      inflate.flush(Z_SYNC_FLUSH, inflated);
    }
  });
}

async function pooled(count: number, jobs: 5 | 2): Promise<void> {
  let next = 0;
  const flush = jobs === 2 ? Z_SYNC_FLUSH : constants.Z_NO_FLUSH;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      const inflate = createInflateRaw({ flush });
      const deflate = createDeflateRaw({ flush });
      const sink = { in: [] as Buffer[], out: [] as Buffer[] };
      inflate.on('data', (chunk: Buffer) => sink.in.push(chunk));
      deflate.on('data', (chunk: Buffer) => sink.out.push(chunk));
      while (next < count) await echo(inflate, deflate, compressed[next++ % compressed.length], jobs, sink);
      inflate.close();
      deflate.close();
    }),
  );
}

async function measure(way: Way, count: number): Promise<{ cpu: number; rate: number }> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  if (way === 'inline') inline(count);
  else await pooled(count, way === '2 jobs' ? 2 : 5);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / count, rate: count / seconds };
}

const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const count = Number(args.get('messages') ?? 20_000);
const rounds = Number(args.get('rounds') ?? 3);
const ways: Way[] = ['5 jobs (ws)', '2 jobs', 'inline'];
const results = new Map<Way, { cpu: number; rate: number }[]>(ways.map((way) => [way, []]));
await measure('2 jobs', 2000); // warm-up
for (let round = 0; round < rounds; round++) for (const way of ways) results.get(way)!.push(await measure(way, count));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log(`\nzlib work of a no-takeover echo of a cursor update (~${messages[0].length} B), ${count} messages, median of ${rounds} rounds`);
console.log('| way | CPU µs/msg | msg/s |');
console.log('|---|---|---|');
for (const way of ways) {
  const runs = results.get(way)!;
  console.log(`| ${way} | ${median(runs.map((run) => run.cpu)).toFixed(1)} | ${Math.round(median(runs.map((run) => run.rate))).toLocaleString('en-US')} |`);
}
