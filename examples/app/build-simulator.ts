// A simulated build (the deploy-status case): numbered log lines on one channel for
// about a minute, then a pause, then the next build. The SSE panel reads the channel
// with Last-Event-ID, so a reload mid-build continues where it stopped.
import type { Hub } from 'switchboard';
import { formatMessageId, parseMessageId } from 'switchboard/protocol';

const STEPS = [
  'checkout', 'install dependencies', 'typecheck', 'build', 'unit tests',
  'property tests', 'browser tests', 'bundle client', 'package', 'deploy',
] as const;

export interface BuildSimulatorOptions {
  /** The hub of the moment (it changes when the app restarts its hub). */
  readonly hub: () => Hub;
  /** Where the lines go: one build per process, so two processes on one Redis do not interleave theirs. */
  readonly channel: string;
  /** Lines per build. Default 120: with `lineMs` 500, one build lasts a minute. */
  readonly lines?: number;
  readonly lineMs?: number;
  /** Pause between builds. Default 10 000 ms. */
  readonly pauseMs?: number;
  readonly log?: (line: string) => void;
}

export interface BuildSimulator {
  /** The id to read the current build from its first line (`since`), once it started. */
  readonly since: string | undefined;
  stop(): void;
}

export function startBuildSimulator(options: BuildSimulatorOptions): BuildSimulator {
  const lines = options.lines ?? 120;
  const lineMs = options.lineMs ?? 500;
  const pauseMs = options.pauseMs ?? 10_000;
  let build = 0;
  let line = 0;
  let timer: NodeJS.Timeout | undefined;
  let since: string | undefined;

  const text = (): string => {
    if (line === 1) return `build #${build} started`;
    if (line === lines) return `build #${build} finished: success`;
    const step = STEPS[Math.min(STEPS.length - 1, Math.floor(((line - 1) / lines) * STEPS.length))];
    return `[${step}] line ${line} of ${lines}`;
  };
  const next = (): void => {
    if (line === lines || build === 0) {
      build++;
      line = 0;
    }
    line++;
    const data = JSON.stringify({ build, line, lines, text: text() });
    const first = line === 1;
    options
      .hub()
      .publish(options.channel, { event: 'line', data })
      .then(
        (id) => {
          if (first) since = idBefore(id);
        },
        (error: Error) => options.log?.(`build log: ${error.message}`),
      );
    timer = setTimeout(next, line === lines ? pauseMs : lineMs);
  };
  timer = setTimeout(next, 0);
  return {
    get since() {
      return since;
    },
    stop: () => clearTimeout(timer),
  };
}

function idBefore(id: string): string | undefined {
  const position = parseMessageId(id);
  return position === null ? undefined : formatMessageId(position.epoch, position.offset - 1);
}
