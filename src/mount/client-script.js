// `GET <prefix>/client.js`: the browser client, built next to the compiled mount
// (dist/client/client.bundle.js). Read once, on first request; revalidated by every
// browser (no-cache + ETag) so that a redeploy is picked up at once, for a 304.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sendEmpty } from './http-reply.js';
import { writeHead } from '../sse/write-head.js';
/** Where the bundle is, relative to this compiled module. */
export function clientBundlePath() {
    return new URL('../client/client.bundle.js', import.meta.url);
}
export class ClientScript {
    path;
    script;
    constructor(path = clientBundlePath()) {
        this.path = path;
    }
    async serve(request, response) {
        let script;
        try {
            script = await this.load();
        }
        catch (error) {
            // Not cached: the bundle may be built after the server started.
            this.script = undefined;
            const body = `switchboard: the browser client bundle is missing (${String(this.path)}): ${error.message}\n`;
            writeHead(response, 500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
            response.end(body);
            return;
        }
        const headers = { etag: script.etag, 'cache-control': 'no-cache' };
        if (matches(request.headers['if-none-match'], script.etag))
            return sendEmpty(response, 304, headers);
        writeHead(response, 200, { ...headers, 'content-type': 'text/javascript; charset=utf-8', 'content-length': script.body.length });
        if (request.method === 'HEAD')
            response.end();
        else
            response.end(script.body);
    }
    load() {
        this.script ??= readFile(this.path).then((body) => ({
            body,
            etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        }));
        return this.script;
    }
}
/** If-None-Match (RFC 9110 §13.1.2): `*`, or a list of tags compared weakly. */
function matches(header, etag) {
    if (header === undefined)
        return false;
    const value = Array.isArray(header) ? header.join(',') : header;
    return value.split(',').some((tag) => {
        const trimmed = tag.trim();
        return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
    });
}
//# sourceMappingURL=client-script.js.map