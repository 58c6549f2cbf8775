import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering rule, checked on the sources: protocol core ← transports ← hub ← apps.
// A file may import its own layer or a lower one, never a higher one.

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const LAYERS: Array<[prefix: string, layer: number]> = [
  ['protocol/', 0],
  ['websocket/', 1],
  ['sse/', 1],
  ['long-polling/', 1],
  ['trace/', 1],
  ['metrics/', 1],
  ['hub/', 2],
  ['pubsub/', 2],
  ['reconnect/', 2],
  ['client/', 2],
  ['cli/', 3],
  ['mount/', 3],
  ['index.ts', 3],
];
/** The only Node modules the pure core may use: no sockets, timers or file system. */
const CORE_BUILTINS = new Set(['node:buffer', 'node:crypto']);
/**
 * Code shared with clients that run in browsers, Bun and Deno (the pub/sub client state):
 * no `node:` module and no Buffer, neither in these folders nor in anything they import.
 */
const BROWSER_SAFE = ['protocol/pubsub/', 'protocol/inspector/', 'client/'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function layerOf(path: string): number {
  const rel = relative(src, path).split('\\').join('/');
  const found = LAYERS.find(([prefix]) => rel.startsWith(prefix));
  if (!found) throw new Error(`${rel} belongs to no layer: add its folder to LAYERS`);
  return found[1];
}

/** The code without its comments, so that a comment may name what the code must not use. */
function codeOf(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
}

/** The `start` files and every source file they import, directly or not (`imports` tells which). */
function withImports(start: string[], imports: (file: string) => string[] = importsOf): string[] {
  const found = new Set<string>();
  const visit = (file: string): void => {
    if (found.has(file)) return;
    found.add(file);
    for (const specifier of imports(file)) if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  };
  start.forEach(visit);
  return [...found];
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)].map((match) => match[1]);
}

/** The modules `file` loads when it runs: its imports less the type-only ones (erased by TypeScript). */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'/g)].map((match) => match[1]);
}

const files = sourceFiles(src);

describe('layers', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('no file imports from a higher layer', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        if (layerOf(target) > layerOf(file)) violations.push(`${relative(src, file)} → ${relative(src, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the published code imports nothing but Node built-ins and itself (zero runtime dependencies)', () => {
    const external = files.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
        .map((specifier) => `${relative(src, file)} → ${specifier}`),
    );
    expect(external).toEqual([]);
  });

  it('the protocol core is pure: no sockets, timers or file system', () => {
    const impure = files
      .filter((file) => layerOf(file) === 0)
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        const builtins = importsOf(file).filter((specifier) => specifier.startsWith('node:') && !CORE_BUILTINS.has(specifier));
        const timers = /\b(setTimeout|setInterval|setImmediate|process\.nextTick)\s*\(/.test(text) ? ['timers'] : [];
        return [...builtins, ...timers].map((what) => `${relative(src, file)} uses ${what}`);
      });
    expect(impure).toEqual([]);
  });

  it('servers load node:http2 only when the application does: no value import of it on the way', () => {
    // Loading it costs start-up time and heap on every runtime (on Bun 14 ms and 1.2 MB), and
    // an application serving over HTTP/2 has loaded it already.
    const servers = ['websocket/server.ts', 'websocket/lean-server.ts', 'sse/sse-handler.ts', 'long-polling/long-poll-handler.ts', 'mount/switchboard.ts'];
    const roots = servers.map((file) => join(src, file));
    const loaders = withImports(roots, valueImportsOf)
      .filter((file) => valueImportsOf(file).includes('node:http2'))
      .map((file) => relative(src, file));
    expect(loaders).toEqual([]);
  });

  it('browser-safe code imports no node: module and does not use Buffer, nor does anything it imports', () => {
    const roots = files.filter((file) => BROWSER_SAFE.some((prefix) => relative(src, file).split('\\').join('/').startsWith(prefix)));
    expect(roots.length).toBeGreaterThan(0);
    const unsafe = withImports(roots).flatMap((file) => {
      const builtins = importsOf(file).filter((specifier) => specifier.startsWith('node:'));
      const buffer = /\bBuffer\b/.test(codeOf(file)) ? ['Buffer'] : [];
      return [...builtins, ...buffer].map((what) => `${relative(src, file)} uses ${what}`);
    });
    expect(unsafe).toEqual([]);
  });
});
