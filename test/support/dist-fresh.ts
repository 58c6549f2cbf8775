// Vitest global setup. The tests import `src/**/*.js`, which vitest.config.ts maps to the
// tsc output in dist/: after an edit without a build they would silently test the
// previous code. Fail before any test runs instead (`npm test` builds first anyway).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function modifiedAt(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** Source files whose built JavaScript is missing or older than they are. */
export function staleSources(): string[] {
  const src = join(root, 'src');
  return sources(src).filter((file) => {
    const built = modifiedAt(join(root, 'dist', relative(src, file)).replace(/\.ts$/, '.js'));
    return built === null || built < statSync(file).mtimeMs;
  });
}

export default function setup(): void {
  const stale = staleSources();
  if (stale.length === 0) return;
  const list = stale.slice(0, 5).map((file) => relative(root, file)).join(', ');
  const more = stale.length > 5 ? ` and ${stale.length - 5} more` : '';
  throw new Error(`dist/ is older than src/: run npm run build (stale: ${list}${more})`);
}
