// The inspector: this browser's connections as the server traced them (GET
// /app/trace/events, one JSON trace event per SSE message; docs/inspector.md), each
// frame decoded in the page by the same annotator the CLI uses (bundled from
// switchboard/protocol), and the bytes-per-message chart from GET /app/transport-bytes.
import { annotateFrames, explainAccept, fromHex, maskSteps, toHex } from '/app/inspector-core.js';
import { connect } from '/switchboard/client.js';
import { el, format } from '/app/dom.js';
import { setCookie } from '/app/identity.js';

const COLOURS = {
  FIN: '#f4b8b8', RSV1: '#f7d6a8', RSV2: '#f7d6a8', RSV3: '#f7d6a8', opcode: '#f2e394',
  MASK: '#c9e7a6', 'payload length': '#a9dcc9', 'extended payload length': '#a9d3ea', 'masking key': '#c6c2f0',
  payload: '#e3e6ec', 'close code': '#f0b9dc', 'close reason': '#f6d5ea',
};
const MAX_ROWS = 2000;
const SHOWN_PAYLOAD = 256;

const state = (window.inspector = { events: [], selected: undefined, connections: {} });
const tbody = document.querySelector('#frames tbody');
const traceStatus = document.getElementById('trace-status');
const connectionsLine = document.getElementById('connections');

// This browser opts its connections in to tracing (the server labels them with its member id).
setCookie('sb_inspect', '1');

// --- The trace, live ---
const source = new EventSource('/app/trace/events');
source.onopen = () => (traceStatus.textContent = 'live');
source.onerror = () => (traceStatus.textContent = 'reconnecting…');
source.onmessage = (message) => {
  const event = JSON.parse(message.data);
  const index = state.events.push(event) - 1;
  const known = (state.connections[event.connection] ??= { transport: event.transport, events: 0, ended: false });
  known.events++;
  if (event.type === 'end') known.ended = true;
  connectionsLine.textContent = Object.entries(state.connections)
    .map(([id, c]) => `${id} (${c.transport}${c.ended ? ', ended' : ''}): ${c.events}`)
    .join(' · ');
  addRow(event, index);
};

function summary(event) {
  switch (event.type) {
    case 'frame': {
      const f = event.frame;
      const text = f.close ? `close ${f.close.code}${f.close.reason ? ` "${f.close.reason}"` : ''}` : f.text !== undefined ? `“${f.text.slice(0, 60)}”` : '';
      return `${f.opcodeName}${f.fin ? '' : ' (FIN=0)'}${f.rsv ? ` RSV=${f.rsv}` : ''} · ${f.lengthForm} · ${f.payloadLength} B ${text}`;
    }
    case 'http-head':
      return event.text.split('\r\n')[0];
    case 'body':
      return event.text.slice(0, 80).replace(/\n/g, '⏎');
    case 'unparsed':
      return `unparsed: ${event.reason}`;
    default:
      return 'connection ended';
  }
}

let firstTime;
function addRow(event, index) {
  firstTime ??= event.time;
  const row = el(
    'tr',
    { class: `from-${event.from ?? 'none'}`, 'data-index': String(index), 'data-type': event.type },
    el('td', {}, String(index + 1)),
    el('td', {}, format(event.time - firstTime)),
    el('td', {}, event.connection),
    el('td', {}, event.from ?? ''),
    el('td', {}, summary(event)),
    el('td', {}, event.bytes === undefined ? '' : String(event.bytes)),
  );
  row.addEventListener('click', () => select(index));
  tbody.append(row);
  while (tbody.children.length > MAX_ROWS) tbody.firstElementChild.remove();
  const box = tbody.closest('.frame-table');
  if (box.scrollHeight - box.scrollTop - box.clientHeight < 80) box.scrollTop = box.scrollHeight;
}

// --- One event, explained ---
const detailTitle = document.getElementById('detail-title');
const detailBody = document.getElementById('detail-body');

function select(index) {
  const event = state.events[index];
  for (const row of tbody.querySelectorAll('tr.selected')) row.classList.remove('selected');
  tbody.querySelector(`tr[data-index="${index}"]`)?.classList.add('selected');
  detailTitle.textContent = `#${index + 1} · ${event.connection} · ${event.type}${event.from ? ` from the ${event.from}` : ''}`;
  state.selected = { index, fields: [] };
  if (event.type === 'frame') detailBody.replaceChildren(...frameDetail(event));
  else if (event.type === 'http-head') detailBody.replaceChildren(...headDetail(event));
  else detailBody.replaceChildren(el('pre', { class: 'raw' }, event.text ?? event.reason ?? 'The connection ended.'));
}

function frameDetail(event) {
  const { frames, failure } = annotateFrames(fromHex(event.hex));
  const frame = frames[0];
  if (frame === undefined) return [el('p', {}, `Cannot decode: ${failure ?? 'incomplete frame'}`)];
  state.selected.fields = frame.fields.map((f) => ({ name: f.name, value: f.value, offset: f.offset, length: f.length }));
  const owner = new Array(frame.bytes.length);
  for (const field of frame.fields) {
    if (field.bits !== undefined) continue; // bit fields share their byte; drawn in the bit rows
    for (let i = field.offset; i < field.offset + field.length; i++) owner[i] = field.name;
  }
  const shown = Math.min(frame.bytes.length, frame.headerLength + SHOWN_PAYLOAD);
  const hex = el('div', { class: 'hex' });
  for (let i = 0; i < shown; i++) {
    const name = owner[i] ?? (i === 0 ? 'opcode' : i === 1 ? 'payload length' : 'payload');
    hex.append(el('span', { 'data-field': name, style: `background:${COLOURS[name]}`, title: name }, toHex(frame.bytes.subarray(i, i + 1))));
  }
  if (shown < frame.bytes.length) hex.append(el('span', {}, `… ${format(frame.bytes.length - shown)} more bytes`));

  const bits = el('table', { class: 'mask-table', 'aria-label': 'the first two bytes, bit by bit' });
  for (const byteIndex of [0, 1]) {
    const cells = [];
    for (let bit = 0; bit < 8; bit++) {
      const field = frame.fields.find((f) => f.offset === byteIndex && (f.bits ? bit >= f.bits.first && bit < f.bits.first + f.bits.count : true));
      const value = (frame.bytes[byteIndex] >> (7 - bit)) & 1;
      cells.push(el('td', { style: `background:${COLOURS[field?.name] ?? '#fff'}`, title: field?.name ?? '' }, String(value)));
    }
    bits.append(el('tr', {}, el('th', {}, `byte ${byteIndex}`), ...cells));
  }

  const legend = el('ul', { class: 'legend' });
  for (const field of frame.fields) {
    const item = el('li', { style: `--c:${COLOURS[field.name]}`, 'data-field': field.name }, el('b', {}, field.name), el('code', {}, String(field.value)), ` ${field.explanation}`);
    item.addEventListener('mouseenter', () => hex.querySelectorAll(`[data-field="${field.name}"]`).forEach((s) => s.classList.add('hl')));
    item.addEventListener('mouseleave', () => hex.querySelectorAll('.hl').forEach((s) => s.classList.remove('hl')));
    legend.append(item);
  }
  const parts = [el('p', {}, `${format(frame.wireLength)} bytes on the wire: a ${frame.headerLength}-byte header and ${format(frame.payloadLength)} bytes of payload.`), bits, hex, legend];
  for (const note of frame.notes) parts.push(el('p', { class: 'muted' }, note));
  if (frame.masked) {
    const table = el('table', { class: 'mask-table', 'aria-label': 'unmasking, byte by byte' }, el('tr', {}, ...['i', 'masked', 'key[i mod 4]', 'XOR', 'char'].map((h) => el('th', {}, h))));
    for (const step of maskSteps(frame, 16)) {
      const char = step.unmasked >= 32 && step.unmasked < 127 ? String.fromCharCode(step.unmasked) : '·';
      table.append(el('tr', {}, ...[step.index, hexByte(step.masked), `${hexByte(step.keyByte)} (key ${step.keyIndex})`, hexByte(step.unmasked), char].map((v) => el('td', {}, String(v)))));
    }
    parts.push(el('h3', {}, 'Unmasking (RFC 6455 §5.3): payload[i] XOR key[i mod 4]'), table);
  }
  if (frame.text !== undefined) parts.push(el('h3', {}, 'Payload as text'), el('pre', { class: 'raw' }, frame.text.slice(0, 2000)));
  return parts;
}

function headDetail(event) {
  const parts = [el('pre', { class: 'raw' }, event.text)];
  const key = /^sec-websocket-key:\s*(\S+)/im.exec(event.text)?.[1];
  const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(event.text)?.[1];
  const partner = state.events.find((e) => e.connection === event.connection && e.type === 'http-head' && e !== event);
  const theKey = key ?? (partner && /^sec-websocket-key:\s*(\S+)/im.exec(partner.text)?.[1]);
  const theAccept = accept ?? (partner && /^sec-websocket-accept:\s*(\S+)/im.exec(partner.text)?.[1]);
  if (theKey !== undefined) {
    const explained = explainAccept(theKey, theAccept);
    state.selected.accept = explained;
    parts.push(
      el('h3', {}, 'Sec-WebSocket-Accept, step by step (RFC 6455 §4.2.2)'),
      el('ol', { class: 'steps' }, ...explained.steps.map((step) => el('li', {}, el('b', {}, `${step.name}: `), el('code', {}, step.value), el('br'), step.explanation))),
    );
  }
  return parts;
}

const hexByte = (n) => n.toString(16).padStart(2, '0');

// --- Make some traffic over this page's own connections ---
const client = connect('/switchboard');
const tryStatus = document.getElementById('try-status');
client.subscribe('chat:inspector', () => {});
for (const button of document.querySelectorAll('[data-send]')) {
  button.addEventListener('click', () => {
    const size = Number(button.dataset.send);
    const text = size <= 20 ? 'hello, wire' : 'x'.repeat(size);
    client.publish('chat:inspector', text).then(
      (id) => (tryStatus.textContent = `published ${format(text.length)} characters as ${id}`),
      (error) => (tryStatus.textContent = `not published: ${error.code ?? error.message}`),
    );
  });
}
const extra = [];
for (const [id, transport] of [['open-sse', 'sse'], ['open-poll', 'polling']]) {
  document.getElementById(id).addEventListener('click', () => {
    const other = connect('/switchboard', { transports: [transport] });
    other.subscribe('chat:inspector', () => {});
    extra.push(other);
    tryStatus.textContent = `opened a ${transport} session: its stream and POSTs appear as ${transport === 'sse' ? 'sse-' : 'poll-'}… connections`;
  });
}

// --- Bytes per message, by transport (measured by the server) ---
const TRANSPORT_COLOURS = ['#2f6fdb', '#7a3ec2', '#1a7f37', '#b35900', '#c0362c'];
fetch('/app/transport-bytes')
  .then((r) => r.json())
  .then((summary) => {
    state.transportBytes = summary;
    document.getElementById('chart').replaceChildren(chart(summary));
    document.getElementById('chart-note').textContent =
      `Measured ${summary.measuredAt} by sending the same messages over each transport between the server process and a client of its own, through a loopback relay that counts the TCP payload it passes each way (both directions, per message). Setup cost, once per connection: ` +
      summary.handshakes.map((h) => `${h.label} ${format(h.bytes)} B`).join(', ') + '.';
  })
  .catch((error) => (document.getElementById('chart').textContent = `could not measure: ${error.message}`));

function chart(summary) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attributes = {}, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const labels = summary.kinds[0].transports.map((t) => t.label);
  const max = Math.max(...summary.kinds.flatMap((k) => k.transports.map((t) => t.bytes)));
  const width = 900, rowHeight = 18, groupGap = 26, left = 190, right = 70;
  const height = summary.kinds.length * (labels.length * rowHeight + groupGap) + 30;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'bytes per message by transport' });
  let y = 10;
  for (const kind of summary.kinds) {
    root.append(svg('text', { x: 0, y: y + 12, 'font-size': 13, 'font-weight': 600 }, `${kind.kind} (${kind.payloadBytes} B payload)`));
    y += 18;
    kind.transports.forEach((t, i) => {
      const w = ((width - left - right) * t.bytes) / max;
      root.append(svg('text', { x: left - 8, y: y + 12, 'font-size': 12, 'text-anchor': 'end' }, t.label));
      root.append(svg('rect', { x: left, y: y + 2, width: Math.max(1, w), height: rowHeight - 5, fill: TRANSPORT_COLOURS[i % TRANSPORT_COLOURS.length], rx: 2 }));
      const payloadWidth = ((width - left - right) * kind.payloadBytes) / max;
      root.append(svg('line', { x1: left + payloadWidth, x2: left + payloadWidth, y1: y + 1, y2: y + rowHeight - 2, stroke: '#1d2330', 'stroke-dasharray': '2 2' }));
      root.append(svg('text', { x: left + w + 6, y: y + 12, 'font-size': 12 }, `${t.bytes} B`));
      y += rowHeight;
    });
    y += groupGap - 18;
  }
  root.append(svg('text', { x: left, y: height - 6, 'font-size': 11, fill: '#667085' }, 'dashed line: the payload itself; the rest of each bar is what the transport adds'));
  return root;
}
