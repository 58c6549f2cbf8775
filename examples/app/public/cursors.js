// Live cursors: while the pointer is over the board, this tab publishes its position
// 30 times a second on `cursors:main` and draws everyone else's. Each update carries
// its send time, so the receiver measures end-to-end latency (same clock when both
// tabs are in one browser); the bytes each cursor costs are the server's measured
// socket counters for this tab's connection (GET /app/wire).
import { el, format, percentile } from '/app/dom.js';

const CHANNEL = 'cursors:main';
const FPS = 30;
const STALE_MS = 3000;

export function startCursors(client, tab) {
  const board = document.getElementById('board');
  const stats = document.getElementById('cursor-stats');
  const colour = `hsl(${parseInt(tab, 36) % 360} 70% 45%)`;
  const name = () => document.getElementById('name').value;
  const others = new Map(); // tab -> { element, last, count }
  const latencies = []; // [at, ms]
  const record = (window.switchboard.cursors = { received: 0, sent: 0, latencies: [], perCursorBytesPerSecond: undefined });
  let position;
  let seq = 0;

  board.addEventListener('pointermove', (event) => {
    const box = board.getBoundingClientRect();
    position = { x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height };
  });
  board.addEventListener('pointerleave', () => (position = undefined));

  setInterval(() => {
    if (position === undefined || document.hidden) return;
    seq++;
    record.sent++;
    const update = { tab, name: name(), colour, x: +position.x.toFixed(4), y: +position.y.toFixed(4), t: Date.now(), seq };
    client.publish(CHANNEL, JSON.stringify(update)).catch(() => {});
  }, 1000 / FPS);

  client.subscribe(CHANNEL, (event) => {
    if (event.type !== 'message') return;
    const update = JSON.parse(event.data);
    if (update.tab === tab) return;
    const now = Date.now();
    latencies.push([now, now - update.t]);
    record.received++;
    let other = others.get(update.tab);
    if (other === undefined) {
      other = { element: el('span', { class: 'cursor' }), count: 0 };
      board.append(other.element);
      others.set(update.tab, other);
    }
    other.last = now;
    other.count++;
    other.element.textContent = update.name;
    other.element.style.setProperty('--c', update.colour);
    other.element.style.left = `${update.x * 100}%`;
    other.element.style.top = `${update.y * 100}%`;
  });

  let previous;
  setInterval(async () => {
    const now = Date.now();
    while (latencies.length > 0 && latencies[0][0] < now - 10_000) latencies.shift();
    for (const [id, other] of others) {
      if (now - other.last > STALE_MS) {
        other.element.remove();
        others.delete(id);
      }
    }
    const ms = latencies.map(([, latency]) => latency);
    const window = latencies.length === 0 ? 1 : Math.max(1, (now - latencies[0][0]) / 1000);
    record.latencies = ms;
    const wire = await fetch(`/app/wire?tab=${tab}`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
    let cost = '';
    if (wire !== undefined && previous !== undefined && wire.socket === previous.socket && others.size > 0) {
      const seconds = (wire.at - previous.at) / 1000;
      const perCursor = (wire.bytesWritten - previous.bytesWritten) / seconds / others.size;
      record.perCursorBytesPerSecond = perCursor;
      cost = ` · ${format(perCursor)} B/s per cursor received over ${client.transport}`;
      if (client.transport === 'websocket') cost += `, ${format((wire.bytesRead - previous.bytesRead) / seconds)} B/s sent for yours`;
    }
    previous = wire;
    stats.textContent =
      others.size === 0
        ? 'no other cursors yet: open this page in a second tab'
        : `${others.size} other cursor(s) · ${format(ms.length / window)} updates/s · latency p50 ${format(percentile(ms, 50))} ms, p99 ${format(percentile(ms, 99))} ms${cost}`;
  }, 1000);
}
