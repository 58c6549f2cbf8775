import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const dist = fileURLToPath(new URL('./dist/', import.meta.url));

// Tests import `src/**/*.js`; they run against the tsc output in `dist/` (with source
// maps), loaded by Node itself rather than by Vite's transform. That is what lets c8
// read V8's coverage and map it back to the TypeScript sources, and it means the
// tests exercise exactly the JavaScript that is published. The global setup refuses to
// run against a dist/ older than src/ (run `npm run build`; `npm test` does).
export default defineConfig({
  resolve: {
    alias: [{ find: /^(?:\.\.\/)+src\/(.*)$/, replacement: `${dist}$1` }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    globalSetup: ['test/support/dist-fresh.ts'],
    setupFiles: ['test/support/flush-coverage.ts'],
    server: { deps: { external: [/\/dist\//] } },
  },
});
