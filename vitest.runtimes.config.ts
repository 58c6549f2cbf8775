import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';
import { DENO_DIRECTORIES, KNOWN_DIFFERENCES, NODE_TOOLING, type OtherRuntime } from './test/runtimes/scope.js';

// The suite under Bun (`npm run test:bun`) or Deno (`npm run test:deno`): vitest itself
// runs in that runtime, and so do its workers, against the same dist/ as on Node.
// What is left out, and why, is in test/runtimes/scope.ts and printed here first.

const runtime: OtherRuntime | undefined = process.versions.bun !== undefined ? 'bun' : process.versions.deno !== undefined ? 'deno' : undefined;
if (runtime === undefined) throw new Error('vitest.runtimes.config.ts runs under Bun or Deno: npm run test:bun, npm run test:deno');

const known = KNOWN_DIFFERENCES.filter((difference) => difference.runtime === runtime);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const lines = [`${runtime}: left out, each counted as skipped or not collected:`];
for (const { files, reason } of NODE_TOOLING) lines.push(`  ${files}: Node tooling (${reason})`);
if (runtime === 'deno') lines.push(`  test/ outside ${DENO_DIRECTORIES.join(', ')}: app layers, time budget (test/runtimes/scope.ts)`);
for (const { file, test, reason } of known) lines.push(`  ${file} > ${test}: ${reason}`);
console.log(lines.join('\n'));

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: runtime === 'deno' ? DENO_DIRECTORIES.map((directory) => `test/${directory}/**/*.test.ts`) : base.test!.include,
    exclude: [...configDefaults.exclude, ...NODE_TOOLING.map(({ files }) => files)],
    // Every test but the known differences: each title matched whole, at the end of the full name.
    testNamePattern: known.length === 0 ? undefined : new RegExp(`^(?!.*(?:${known.map(({ test }) => `${escape(test)}$`).join('|')}))`),
  },
});
