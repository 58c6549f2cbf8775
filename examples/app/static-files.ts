// The app's pages and scripts, read from public/ next to this file's source, with
// an ETag so a reload revalidates instead of downloading again.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** Compiled to .examples-out/app/; the files stay in examples/app/public/. */
const PUBLIC = new URL('../../examples/app/public/', import.meta.url);

/** Serves `/` and `/app/<name>.<ext>` from public/; false for anything else. */
export function serveStatic(request: IncomingMessage, response: ServerResponse, path: string): boolean {
  const name = path === '/' ? 'index.html' : path === '/inspector' ? 'inspector.html' : /^\/app\/([a-z0-9-]+\.(?:js|css|svg))$/.exec(path)?.[1];
  if (name === undefined) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  readFile(new URL(name, PUBLIC)).then(
    (body) => {
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      const headers = { 'content-type': TYPES[name.split('.').pop()!], etag, 'cache-control': 'no-cache' };
      if (request.headers['if-none-match'] === etag) response.writeHead(304, headers).end();
      else response.writeHead(200, { ...headers, 'content-length': body.length }).end(request.method === 'HEAD' ? undefined : body);
    },
    () => response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'),
  );
  return true;
}
