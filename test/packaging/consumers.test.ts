import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS, TSCONFIGS } from './consumers.js';

// The published package as users meet it: `npm pack` of this build, installed from the
// tarball (offline: it has no dependencies) into a scratch project, then imported from
// ESM, required from CommonJS, type-checked by tsc under node16 and bundler resolution,
// bundled for the browser by esbuild, and run by Bun and Deno. The package's exports
// map is what all of these read, so this is where a wrong condition shows.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
let scratch: string;

/** Runs a command in the scratch project; resolves with its output, rejects with its stderr. */
async function inScratch(command: string, args: string[], dir = ''): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { cwd: join(scratch, dir), timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'switchboard-packaging-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as { filename: string }[];
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await inScratch('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', `./${filename}`]);
  // What a TypeScript user on Node installs next to it; linked from this repo, no network.
  await mkdir(join(scratch, 'node_modules', '@types'), { recursive: true });
  await symlink(join(root, 'node_modules', '@types', 'node'), join(scratch, 'node_modules', '@types', 'node'), 'dir');
  await symlink(join(root, 'node_modules', 'undici-types'), join(scratch, 'node_modules', 'undici-types'), 'dir');
  for (const [path, text] of Object.entries({ ...CONSUMERS, ...TSCONFIGS })) {
    await mkdir(join(scratch, path, '..'), { recursive: true });
    await writeFile(join(scratch, path), text);
  }
}, 60_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds dist/ and package.json, and none of the sources or tests', async () => {
    const files = await readdir(join(scratch, 'node_modules', 'switchboard'), { recursive: true });
    expect(files).toContain('package.json');
    expect(files).toContain(join('dist', 'index.js'));
    expect(files).toContain(join('dist', 'client', 'client.bundle.js'));
    expect(files.filter((file) => file.startsWith('src') || file.startsWith('test'))).toEqual([]);
  });
});

describe('Node', () => {
  it('imports every entry from ESM and echoes over its own server and client', async () => {
    const { stdout, stderr } = await inScratch(process.execPath, ['esm.mjs']);
    expect(JSON.parse(stdout)).toEqual({ entries: [true, true, true, true], echoed: 'hello from esm' });
    expect(stderr).toBe('');
  });

  // require(esm): Node ≥ 20.19 (and ≥ 22.12) loads the ESM build from require() without a
  // flag or a warning, through the exports map's `default` condition.
  it('requires every entry from CommonJS ("type": "commonjs") and echoes', async () => {
    expect(process.features).toHaveProperty('require_module', true);
    const { stdout, stderr } = await inScratch(process.execPath, ['index.js'], 'cjs');
    expect(JSON.parse(stdout)).toEqual({ entries: [true, true, true, true], echoed: 'hello from cjs' });
    expect(stderr).toBe('');
  });
});

describe('TypeScript (strict, skipLibCheck: false, this repo’s tsc)', () => {
  // One `tsc --build` of the four projects: it parses the shared declarations (lib, @types/node,
  // the package's) once, where four tsc runs would parse them four times. Each project also
  // holds a wrong use under @ts-expect-error: were the package's types unresolved (any), tsc
  // would report the directive unused, so the checks are real.
  it('type-checks under node16, bundler, nodenext from CommonJS, and the client alone for the DOM', async () => {
    const projects = Object.keys(TSCONFIGS).map((path) => join(path, '..'));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const { stdout, stderr } = await inScratch(process.execPath, [tsc, '--build', '--force', ...projects]);
    expect(stdout + stderr).toBe('');
  }, 150_000); // about 15 s of CPU; far longer on a shared machine
});

describe('esbuild, for the browser', () => {
  it('bundles switchboard/client with no node: import and nothing from the server side', async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      absWorkingDir: scratch,
      entryPoints: ['browser/main.js'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bnode:|require\(|\bBuffer\b/);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => !/^node_modules\/switchboard\/dist\/(client|protocol)\//.test(input) && input !== 'browser/main.js')).toEqual([]);
  });
});

describe('other runtimes', () => {
  it.each([
    ['Bun', bin('bun'), ['esm.mjs'], 'bun'],
    ['Deno', bin('deno'), ['run', '-A', 'esm.mjs'], 'deno'],
  ])('%s imports every entry and echoes over the package’s server and client', async (_name, command, args, runtime) => {
    expect(existsSync(command), `${command}: run npm ci (bun and deno are devDependencies)`).toBe(true);
    const { stdout } = await inScratch(command, args);
    expect(JSON.parse(stdout)).toEqual({ entries: [true, true, true, true], echoed: `hello from ${runtime}` });
  });

  it.each([
    ['Bun', bin('bun'), ['cjs/index.js']],
    ['Deno', bin('deno'), ['run', '-A', 'cjs/index.js']],
  ])('%s requires every entry from CommonJS and echoes', async (_name, command, args) => {
    const { stdout } = await inScratch(command, args);
    expect(JSON.parse(stdout)).toEqual({ entries: [true, true, true, true], echoed: 'hello from cjs' });
  });
});
