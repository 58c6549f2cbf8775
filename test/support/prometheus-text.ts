// A reader of the Prometheus text format 0.0.4, strict enough for tests: it undoes the
// escapes of label values and HELP text, and fails on any line it does not understand.

export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface ParsedScrape {
  readonly help: Map<string, string>;
  readonly types: Map<string, string>;
  readonly samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/s;

export function parsePrometheus(text: string): ParsedScrape {
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const samples: ParsedSample[] = [];
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text must end with a line feed');
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const space = rest.indexOf(' ');
      help.set(rest.slice(0, space), unescape(rest.slice(space + 1), false));
    } else if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name, type);
    } else {
      const match = SAMPLE.exec(line);
      if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
      samples.push({ name: match[1], labels: match[2] ? parseLabels(match[2]) : {}, value: parseValue(match[3]) });
    }
  }
  return { help, types, samples };
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a value: ${text}`);
  return value;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 1;
  while (at < text.length - 1) {
    const eq = text.indexOf('=', at);
    const name = text.slice(at, eq);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || text[eq + 1] !== '"') throw new Error(`bad label at ${at} in ${text}`);
    let value = '';
    let i = eq + 2;
    for (; text[i] !== '"'; i++) {
      if (i >= text.length) throw new Error(`unterminated label value in ${text}`);
      if (text[i] === '\n') throw new Error('a raw line feed in a label value');
      if (text[i] === '\\') {
        const next = text[++i];
        value += next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : fail(`bad escape \\${next}`);
      } else value += text[i];
    }
    labels[name] = value;
    at = i + 1;
    if (text[at] === ',') at++;
  }
  return labels;
}

function unescape(text: string, quotes: boolean): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : quotes && c === '"' ? '"' : fail(`bad escape \\${c}`)));
}

function fail(message: string): never {
  throw new Error(message);
}

/** The value of the sample `name` whose labels include `labels`; 0 when there is none. */
export function valueOf(scrape: ParsedScrape, name: string, labels: Record<string, string> = {}): number {
  const found = scrape.samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return found?.value ?? 0;
}
