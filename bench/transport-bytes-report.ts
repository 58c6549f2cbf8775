// Draws `npm run bench:transport-bytes`'s result: a table (Markdown) and a bar chart
// (SVG), both from the JSON alone (no number typed by hand), so either can be redrawn:
//   node .bench-out/bench/transport-bytes-report.js <result.json> [chart.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SampleKind, TransportBytesRow } from '../examples/app/transport-bytes.js';

export interface TransportBytesKind {
  readonly kind: SampleKind;
  /** UTF-8 bytes of one message of this kind. */
  readonly payloadBytes: number;
  readonly rows: readonly TransportBytesRow[];
}

export interface TransportBytesResult {
  readonly measuredAt: string;
  readonly node: string;
  readonly messagesPerKind: number;
  readonly kinds: readonly TransportBytesKind[];
}

/** Bytes per message relative to the bare WebSocket frame of the same kind. */
function ratio(kind: TransportBytesKind, row: TransportBytesRow): number {
  const frame = kind.rows.find((r) => r.transport === 'websocket');
  return frame === undefined ? Number.NaN : row.bytesPerMessage / frame.bytesPerMessage;
}

export function toMarkdown(result: TransportBytesResult): string {
  const head = `| transport | ${result.kinds.map((k) => `${k.kind} (${k.payloadBytes} B payload)`).join(' | ')} | handshake ↓ / ↑ (once) |`;
  const lines = [head, `|---|${result.kinds.map(() => '---:').join('|')}|---:|`];
  for (const [index, row] of result.kinds[0].rows.entries()) {
    const cells = result.kinds.map((kind) => {
      const r = kind.rows[index];
      return `${r.bytesPerMessage.toFixed(1)} B (+${r.overheadPerMessage.toFixed(1)}), ${ratio(kind, r).toFixed(2)}×`;
    });
    lines.push(`| ${row.label} | ${cells.join(' | ')} | ${row.handshake.serverToClient} / ${row.handshake.clientToServer} |`);
  }
  return `${lines.join('\n')}\n`;
}

const COLORS: Readonly<Record<string, string>> = {
  websocket: '#1f77b4',
  'switchboard.v1': '#9467bd',
  'sse-http1': '#2ca02c',
  'sse-http2': '#17becf',
  'long-polling': '#d62728',
};

/** One panel per message kind (each its own scale): a bar per transport, payload in grey, overhead in colour. */
export function renderSvg(result: TransportBytesResult): string {
  const width = 900;
  const left = 130;
  const right = 190;
  const barHeight = 18;
  const gap = 6;
  const panelTitle = 22;
  const panelGap = 18;
  const top = 68;
  const transports = result.kinds[0].rows.length;
  const panelHeight = panelTitle + transports * (barHeight + gap);
  const height = top + result.kinds.length * (panelHeight + panelGap) + 10;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${left}" y="20" font-size="14">Bytes on the wire per message, by transport (${result.messagesPerKind} messages each, counted on the client's TCP sockets)</text>`);
  parts.push(`<text x="${left}" y="38" font-size="11" fill="#555">Both directions, after the handshake. Grey: the message itself; colour: what the transport adds.</text>`);
  parts.push(`<text x="${left}" y="52" font-size="11" fill="#555">Labels: bytes · overhead · ratio to the WebSocket frame. Node ${escapeXml(result.node)}, ${escapeXml(result.measuredAt.slice(0, 10))}.</text>`);
  result.kinds.forEach((kind, panel) => {
    const y0 = top + panel * (panelHeight + panelGap);
    const max = Math.max(...kind.rows.map((r) => r.bytesPerMessage));
    const scale = (bytes: number): number => ((width - left - right) * bytes) / max;
    parts.push(`<text x="${left}" y="${y0 + 14}" font-weight="bold">${escapeXml(kind.kind)} message: ${kind.payloadBytes} bytes of payload</text>`);
    kind.rows.forEach((row, index) => {
      const y = y0 + panelTitle + index * (barHeight + gap);
      const payload = Math.min(kind.payloadBytes, row.bytesPerMessage);
      parts.push(`<text x="${left - 8}" y="${y + barHeight - 5}" text-anchor="end">${escapeXml(row.label)}</text>`);
      parts.push(`<rect x="${left}" y="${y}" width="${scale(payload).toFixed(1)}" height="${barHeight}" fill="#c7c7c7"/>`);
      parts.push(`<rect x="${(left + scale(payload)).toFixed(1)}" y="${y}" width="${scale(row.bytesPerMessage - payload).toFixed(1)}" height="${barHeight}" fill="${COLORS[row.transport] ?? '#777'}"/>`);
      parts.push(`<text x="${(left + scale(row.bytesPerMessage) + 6).toFixed(1)}" y="${y + barHeight - 5}">${row.bytesPerMessage.toFixed(1)} B · +${row.overheadPerMessage.toFixed(1)} · ${ratio(kind, row).toFixed(2)}×</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  if (input === undefined) throw new Error('usage: transport-bytes-report.js <result.json> [chart.svg]');
  const result = JSON.parse(readFileSync(input, 'utf8')) as TransportBytesResult;
  writeFileSync(output ?? input.replace(/\.json$/, '.svg'), renderSvg(result));
  console.log(toMarkdown(result));
}
