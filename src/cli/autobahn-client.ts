import { parseArgs } from 'node:util';
import { WebSocket } from '../websocket/index.js';
import { echoMessages } from './echo-handler.js';
import { type CliIo, UsageError, println } from './io.js';

export interface AutobahnClientOptions {
  /** The name the reports list us under. Default 'switchboard'. */
  agent?: string;
  /** Where progress lines go. */
  log?: (line: string) => void;
  /** Offer permessage-deflate in every case (compressing every echo), for groups 12 and 13. Default false. */
  deflate?: boolean;
}

export interface CaseResult {
  case: number;
  /** The close code and reason we saw (1006: no closing handshake, which some cases expect). */
  code: number;
  reason: string;
}

export interface AutobahnRun {
  caseCount: number;
  results: CaseResult[];
}

export const AUTOBAHN_USAGE = `switchboard autobahn-client <ws://host:port> [--agent switchboard] [--deflate]
  Runs every case of an Autobahn fuzzing server (wstest -m fuzzingserver) against
  this library's client, which echoes what it is sent, then asks for the reports.
  --deflate offers permessage-deflate in every case (groups 12 and 13 need it).`;

/**
 * The Autobahn fuzzing server's protocol for testing a client: `/getCaseCount`
 * sends the number of cases as one text message; each `/runCase?case=N&agent=A`
 * is a test case, to which the client answers by echoing every message until
 * the server closes; `/updateReports?agent=A` writes the reports.
 */
export async function runAutobahnClient(baseUrl: string, options: AutobahnClientOptions = {}): Promise<AutobahnRun> {
  const base = baseUrl.replace(/\/+$/, '');
  const agent = encodeURIComponent(options.agent ?? 'switchboard');
  const log = options.log ?? (() => {});

  const countText = await firstMessage(`${base}/getCaseCount`);
  const caseCount = Number(countText);
  if (!Number.isInteger(caseCount) || caseCount < 0) throw new Error(`getCaseCount answered ${JSON.stringify(countText)}`);
  log(`${caseCount} cases`);

  const results: CaseResult[] = [];
  for (let n = 1; n <= caseCount; n++) {
    const socket = new WebSocket(`${base}/runCase?case=${n}&agent=${agent}`, undefined, {
      perMessageDeflate: options.deflate === true && { threshold: 0 },
    });
    echoMessages(socket);
    // Cases test bad input on purpose: failing the connection is the right answer, not an error of the run.
    socket.on('error', () => {});
    const { code, reason } = await closed(socket);
    results.push({ case: n, code, reason });
    log(`case ${n}/${caseCount}: closed ${code}${reason ? ` ${reason}` : ''}`);
  }

  const reports = new WebSocket(`${base}/updateReports?agent=${agent}`);
  const reportsError = failure(reports);
  const { code } = await closed(reports);
  if (code === 1006) throw new Error(`updateReports failed: ${(await reportsError)?.message ?? 'connection lost'}`);
  log('reports updated');
  return { caseCount, results };
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code: number, reason: string) => resolve({ code, reason })));
}

/** The socket's first error, if any, by the time it closes. */
function failure(socket: WebSocket): Promise<Error | undefined> {
  return new Promise((resolve) => {
    socket.once('error', resolve);
    socket.once('close', () => resolve(undefined));
  });
}

/** Connects and resolves with the first message's text, once the server has closed. */
async function firstMessage(url: string): Promise<string> {
  const socket = new WebSocket(url);
  let text: string | undefined;
  socket.once('message', (data: Buffer) => {
    text = data.toString('utf8');
  });
  const error = failure(socket);
  await closed(socket);
  if (text === undefined) throw new Error(`No answer from ${url}: ${(await error)?.message ?? 'closed without a message'}`);
  return text;
}

/** `switchboard autobahn-client <url>`. */
export async function autobahnClientCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { agent: { type: 'string', default: 'switchboard' }, deflate: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UsageError('autobahn-client takes the fuzzing server URL, e.g. ws://127.0.0.1:9001');
  const run = await runAutobahnClient(positionals[0], { agent: values.agent, deflate: values.deflate, log: (line) => println(io.stdout, line) });
  println(io.stdout, `Ran ${run.caseCount} cases as agent "${values.agent}"; the fuzzing server's reports have the verdicts.`);
  return 0;
}
