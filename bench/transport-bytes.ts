// `npm run bench:transport-bytes`: the sample messages of the app (a chat line, a cursor
// update, a 1 KiB JSON document), each kind sent N times over every transport by
// measureTransportBytes (examples/app/transport-bytes.ts, the function the app's
// inspector calls), counted on the client's TCP sockets. Prints the table with ratios to
// the bare WebSocket frame, writes the JSON, and draws the chart from it.
//   node .bench-out/bench/transport-bytes.js [--messages 20] [--json docs/transport-bytes.json] [--svg docs/transport-bytes.svg]
// The example imports the package by name: at run time that is dist/ (npm run build),
// type-checked against src/ through the root tsconfig's paths, as the tests do.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { SAMPLE_MESSAGES, measureTransportBytes, type SampleKind } from '../examples/app/transport-bytes.js';
import { type TransportBytesKind, type TransportBytesResult, renderSvg, toMarkdown } from './transport-bytes-report.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20' },
    json: { type: 'string', default: 'docs/transport-bytes.json' },
    svg: { type: 'string', default: 'docs/transport-bytes.svg' },
  },
});
const count = Number(values.messages);
if (!Number.isInteger(count) || count < 1 || count > 1000) throw new RangeError('--messages must be an integer from 1 to 1000');

const kinds: TransportBytesKind[] = [];
for (const kind of Object.keys(SAMPLE_MESSAGES) as SampleKind[]) {
  const message = SAMPLE_MESSAGES[kind];
  const rows = await measureTransportBytes({ messages: Array.from({ length: count }, () => message), timeoutMs: 60_000 });
  kinds.push({ kind, payloadBytes: Buffer.byteLength(message), rows });
}
const result: TransportBytesResult = { measuredAt: new Date().toISOString(), node: process.version, messagesPerKind: count, kinds };

console.log(`## Bytes per message by transport: ${count} messages of each kind, one at a time, loopback\n`);
console.log('bytes per message (both directions, after the handshake), (+overhead over the payload), ratio to the bare WebSocket frame\n');
console.log(toMarkdown(result));
for (const row of kinds[0].rows) console.log(`- ${row.label}: ${row.measuredBy}`);
for (const [path, text] of [
  // One line per {serverToClient, clientToServer} pair: the per-message lists stay readable.
  [values.json, `${JSON.stringify(result, null, 1).replace(/\{\s+("serverToClient": \d+),\s+("clientToServer": \d+)\s+\}/g, '{ $1, $2 }')}\n`],
  [values.svg, renderSvg(result)],
] as const) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
console.log(`\nresult: ${values.json}; chart: ${values.svg}`);
