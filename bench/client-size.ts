// `npm run bench:client-size`: the browser client's size as a page downloads it, next to
// the clients it is measured against (the anchors), each bundled the same way in this
// run: esbuild, ES module, minified, every dependency included, then gzip at level 9.
//   node .bench-out/bench/client-size.js
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

interface Entry {
  name: string;
  /** Module source that imports what a page would use. */
  contents: string;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const ENTRIES: Entry[] = [
  { name: 'switchboard/client', contents: `export { connect } from './src/client/index.ts';` },
  { name: 'socket.io-client', contents: `export { io } from 'socket.io-client';` },
  { name: 'centrifuge', contents: `export { Centrifuge } from 'centrifuge';` },
];

/** Bytes of the bundle of `entry`, minified, and gzipped. */
async function measure(entry: Entry): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    stdin: { contents: entry.contents, resolveDir: root, sourcefile: `${entry.name}.entry.ts`, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

const TARGET_GZIPPED = 8 * 1024;

async function main(): Promise<void> {
  const rows = [];
  for (const entry of ENTRIES) rows.push({ name: entry.name, ...(await measure(entry)) });
  const ours = rows[0];
  console.log('Browser client size (esbuild --bundle --minify, ES module, es2020; gzip -9)');
  console.log('| client | minified | minified + gzipped | ours ÷ it |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) {
    console.log(`| ${row.name} | ${row.minified.toLocaleString('en-US')} B | ${row.gzipped.toLocaleString('en-US')} B | ${(ours.gzipped / row.gzipped).toFixed(2)}× |`);
  }
  const met = ours.gzipped <= TARGET_GZIPPED;
  console.log(`Target ≤ ${TARGET_GZIPPED.toLocaleString('en-US')} B minified + gzipped: ${met ? 'met' : 'NOT met'} (${ours.gzipped.toLocaleString('en-US')} B)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
