// The scratch project's files for consumers.test.ts, by path: small programs and
// tsconfigs as a user of the published package writes them.

/** An echo round trip over the package's own server and client; the runtime names itself. */
const ECHO = `
const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
await new Promise((resolve) => server.once('listening', resolve));
const client = new WebSocket('ws://127.0.0.1:' + server.address().port);
const echoed = await new Promise((resolve, reject) => {
  client.onopen = () => client.send('hello from ' + NAME);
  client.onmessage = (event) => resolve(String(event.data));
  client.onerror = (event) => reject(event.error ?? new Error('WebSocket error'));
});
client.close();
await new Promise((resolve) => server.close(resolve));
console.log(JSON.stringify({ entries, echoed }));
`;

export const CONSUMERS: Record<string, string> = {
  'esm.mjs': `import { WebSocket, WebSocketServer, mountSwitchboard } from 'switchboard';
import { encodeFrame } from 'switchboard/protocol';
import { connect } from 'switchboard/client';
import { FrameAnnotator } from 'switchboard/inspector';
const entries = [mountSwitchboard, encodeFrame, connect, FrameAnnotator].map((value) => typeof value === 'function');
const NAME = globalThis.Bun ? 'bun' : globalThis.Deno ? 'deno' : 'esm';
${ECHO}`,

  // Most Express apps: CommonJS, by "type" and by file extension.
  'cjs/package.json': JSON.stringify({ type: 'commonjs' }),
  'cjs/index.js': `const { WebSocket, WebSocketServer, mountSwitchboard } = require('switchboard');
const { encodeFrame } = require('switchboard/protocol');
const { connect } = require('switchboard/client');
const { FrameAnnotator } = require('switchboard/inspector');
const entries = [mountSwitchboard, encodeFrame, connect, FrameAnnotator].map((value) => typeof value === 'function');
const NAME = 'cjs';
(async () => {${ECHO}})();
`,

  'ts-node16/main.ts': `import { createServer } from 'node:http';
import { mountSwitchboard, WebSocketServer, type WebSocketConnection } from 'switchboard';
import { CloseCode, Opcode } from 'switchboard/protocol';
import { connect, type ClientOptions } from 'switchboard/client';
import { FrameAnnotator } from 'switchboard/inspector';
const server = createServer();
mountSwitchboard(server);
const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
wss.on('connection', (ws: WebSocketConnection) => ws.close(CloseCode.Normal, 'bye'));
const options: ClientOptions = { transports: ['websocket'] };
export const used: unknown[] = [connect, options, FrameAnnotator];
export const opcode: number = Opcode.Text;
// @ts-expect-error: a port is a number
new WebSocketServer({ port: 'x' });
`,
  // addEventListener types each listener's event by its type, as the DOM's WebSocket does.
  'ts-bundler/main.ts': `import { WebSocket, WebSocketServer, type WebSocketMessageEvent } from 'switchboard';
import type { ClientOptions } from 'switchboard/client';
const wss = new WebSocketServer({ port: 0 });
const ws: WebSocket = new WebSocket('ws://127.0.0.1:1');
ws.addEventListener('message', (event: WebSocketMessageEvent) => console.log(event.data));
ws.addEventListener('close', (event) => console.log(event.code, event.reason, event.wasClean));
ws.addEventListener('message', (event) => console.log(event.data), { once: true });
// @ts-expect-error: an open event has no data
ws.addEventListener('open', (event) => console.log(event.data));
export const used: unknown[] = [wss, {} satisfies ClientOptions];
// @ts-expect-error: no such transport
export const wrong: ClientOptions = { transports: ['carrier-pigeon'] };
`,
  // CommonJS TypeScript: \`import x = require()\` of an ESM package, which tsc allows
  // under nodenext (TypeScript ≥ 5.8 models require(esm)); node16 would refuse it (TS1479).
  'ts-cjs/package.json': JSON.stringify({ type: 'commonjs' }),
  'ts-cjs/main.ts': `import switchboard = require('switchboard');
import protocol = require('switchboard/protocol');
const wss: switchboard.WebSocketServer = new switchboard.WebSocketServer({ port: 0 });
export const used: unknown[] = [wss, protocol.CloseCode.Normal];
// @ts-expect-error: a close code is a number
export const wrong: string = protocol.CloseCode.Normal;
`,
  // A browser app's client code: the DOM's types and no @types/node at all.
  'ts-browser/main.ts': `import { connect, type ClientOptions } from 'switchboard/client';
const options: ClientOptions = {};
const client = connect('/switchboard', options);
client.subscribe('chat', (event) => {
  if (event.type === 'message') document.title = String(event.data);
});
// @ts-expect-error: subscribe takes a channel name
client.subscribe(42, () => {});
`,
  'browser/main.js': `import { connect } from 'switchboard/client';
connect('/switchboard').subscribe('chat', (event) => console.log(event));
`,
};

const strict = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022' };

export const TSCONFIGS: Record<string, string> = {
  'ts-node16/tsconfig.json': JSON.stringify({
    compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16', types: ['node'] },
    files: ['main.ts'],
  }),
  'ts-bundler/tsconfig.json': JSON.stringify({
    compilerOptions: { ...strict, module: 'preserve', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: ['node'] },
    files: ['main.ts'],
  }),
  'ts-cjs/tsconfig.json': JSON.stringify({
    compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] },
    files: ['main.ts'],
  }),
  'ts-browser/tsconfig.json': JSON.stringify({
    compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] },
    files: ['main.ts'],
  }),
};
