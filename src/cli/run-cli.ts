import { AUTOBAHN_USAGE, autobahnClientCommand } from './autobahn-client.js';
import { CONNECT_USAGE, connectCommand } from './connect-command.js';
import { DEMO_USAGE, demoCommand } from './demo-server.js';
import { ECHO_USAGE, echoCommand } from './echo-command.js';
import { INSPECT_USAGE, inspectCommand } from './inspect-command.js';
import { PROXY_USAGE, proxyCommand } from './proxy-command.js';
import { type CliIo, UsageError, println } from './io.js';
import { errorText } from './error-text.js';

export const USAGE = `Usage: switchboard <command> [options]

Commands:
${[ECHO_USAGE, CONNECT_USAGE, DEMO_USAGE, AUTOBAHN_USAGE, INSPECT_USAGE, PROXY_USAGE].map((text) => `  ${text.replaceAll('\n', '\n  ')}`).join('\n\n')}

  switchboard --help
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  echo: echoCommand,
  connect: connectCommand,
  demo: demoCommand,
  'autobahn-client': autobahnClientCommand,
  inspect: inspectCommand,
  proxy: proxyCommand,
};

/**
 * Runs `switchboard <argv>` and resolves with the exit status: 0 for help,
 * 2 for a command-line mistake (with the usage), 1 for a failure.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help' || args.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) throw new UsageError(`Unknown command: ${name}`);
    return await command(args, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      println(io.stderr, (error as Error).message);
      io.stderr.write(`\n${USAGE}`);
      return 2;
    }
    println(io.stderr, `switchboard ${name}: ${errorText(error)}`);
    return 1;
  }
}

/** parseArgs's own errors (unknown option, missing value) are command-line mistakes too. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
