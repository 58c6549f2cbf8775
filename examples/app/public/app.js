// The page's one Switchboard client (every panel but the build log and the
// notifications shares it), the status line, the controls and the reconnection timeline.
import { connect } from '/switchboard/client.js';
import { startChat } from '/app/chat.js';
import { startCursors } from '/app/cursors.js';
import { startBuildLog } from '/app/build-log.js';
import { startNotifications } from '/app/notifications.js';
import { el, format } from '/app/dom.js';

// A tab names itself by subscribing to `tab:<id>`; the server's "cut" finds it that way.
const tab = sessionStorage.getItem('switchboard-tab') ?? Math.random().toString(36).slice(2, 10);
sessionStorage.setItem('switchboard-tab', tab);

// Presence knows a browser by cookies, set before the first connection carries them:
// a member id, and the name to show.
const setCookie = (name, value) => (document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=31536000; samesite=lax`);
const member = /(?:^|; )sb_member=([\w-]+)/.exec(document.cookie)?.[1] ?? Math.random().toString(36).slice(2, 12);
setCookie('sb_member', member);
const identity = {
  member,
  name: localStorage.getItem('switchboard-name') ?? `guest-${member.slice(0, 4)}`,
  rename(name) {
    identity.name = name;
    localStorage.setItem('switchboard-name', name);
    setCookie('sb_name', name);
  },
};
setCookie('sb_name', identity.name);

const client = connect('/switchboard');
window.switchboard = { client, tab, events: [] };
client.subscribe(`tab:${tab}`, () => {});

const status = document.getElementById('status');
const timeline = document.getElementById('timeline');
let hubKind = '';
let lastChange = performance.now();

function showStatus() {
  const transport = client.transport ? ` over ${client.transport}` : '';
  status.replaceChildren(el('span', { class: `state-${client.state}` }, client.state), `${transport} · hub ${hubKind || '…'} · tab ${tab}`);
}

/** One entry in the timeline; the last 14 are kept. */
function mark(kind, text, extra) {
  const item = el('li', { class: kind }, text);
  if (extra !== undefined) item.append(extra);
  timeline.append(item);
  while (timeline.children.length > 14) timeline.firstElementChild.remove();
  window.switchboard.events.push({ kind, text, at: Date.now() });
}

client.addEventListener('open', ({ detail }) => {
  mark('open', `open over ${detail.transport} after ${format(performance.now() - lastChange)} ms`);
  lastChange = performance.now();
  showStatus();
});
client.addEventListener('reconnecting', ({ detail }) => {
  // The policy: 1 s doubling to 60 s, then ±10 % jitter. Show how far this draw is from the nominal delay.
  const nominal = Math.min(60_000, 1000 * 2 ** (detail.attempt - 1));
  const jitter = ((detail.delay / nominal - 1) * 100).toFixed(1);
  const bar = el('span', { class: 'bar', style: `width:${Math.max(4, Math.log2(detail.delay / 250 + 1) * 14)}px` });
  mark('reconnecting', `attempt ${detail.attempt}: wait ${format(detail.delay)} ms (nominal ${format(nominal)}, jitter ${jitter > 0 ? '+' : ''}${jitter} %) · ${detail.reason}`, bar);
  lastChange = performance.now();
  showStatus();
});
client.addEventListener('transport', ({ detail }) => {
  if (detail.previous !== undefined) mark('transport', `${detail.previous} → ${detail.name}: ${detail.reason}`);
  showStatus();
});
// The tab's own naming channel is bookkeeping, not something to show; a lossy resume is shown by its gap.
const shown = (channel) => !channel.startsWith('tab:');
client.addEventListener('resume', ({ detail }) => {
  if (shown(detail.channel) && !detail.lossy) mark('resume', `resumed ${detail.channel} after ${detail.since}`);
});
client.addEventListener('gap', ({ detail }) => {
  if (shown(detail.channel)) mark('gap', `gap on ${detail.channel}: ${detail.reason}, resumed from ${detail.firstAvailableId ?? 'the new head'}`);
});
client.addEventListener('close', showStatus);

const result = document.getElementById('control-result');
async function control(path) {
  const answer = await fetch(path, { method: 'POST' });
  result.textContent = `${path}: ${answer.status} ${await answer.text()}`;
}
document.getElementById('cut').addEventListener('click', () => void control(`/app/cut?tab=${tab}`));
document.getElementById('restart').addEventListener('click', () => void control('/app/restart-hub'));

showStatus();
startChat(client, tab, identity);
startCursors(client, tab);
startBuildLog();
fetch('/app/info').then((r) => r.json()).then((info) => {
  hubKind = info.hub;
  showStatus();
  startNotifications(info.notifications);
});
