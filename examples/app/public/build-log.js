// The build log: a plain EventSource on /build/events. The browser resumes by itself
// after a dropped connection (it sends Last-Event-ID); across a reload the page keeps
// the last id in sessionStorage and passes it as ?lastEventId=, since a new
// EventSource cannot set the header. Either way: no line twice, none missing.
import { el } from '/app/dom.js';

const KEY = 'switchboard-build-last-id';

export async function startBuildLog() {
  const log = document.getElementById('build-log');
  const status = document.getElementById('build-status');
  // A reload resumes after the last line shown; a first visit reads the build from its start.
  const stored = sessionStorage.getItem(KEY);
  const since = stored ?? (await fetch('/app/build').then((r) => r.json(), () => ({}))).since ?? null;
  const record = (window.switchboard.build = { resumedFrom: stored, lines: [], ids: [], gaps: [] });
  const source = new EventSource(since === null ? '/build/events' : `/build/events?lastEventId=${encodeURIComponent(since)}`);
  status.textContent = stored === null ? 'connecting…' : `resuming after ${stored}…`;

  source.addEventListener('open', () => {
    status.textContent = `streaming${stored === null ? ' the current build' : ` (resumed after ${stored})`}`;
  });
  source.addEventListener('error', () => {
    status.textContent = source.readyState === EventSource.CONNECTING ? 'reconnecting (the browser will send Last-Event-ID)…' : 'closed';
  });
  source.addEventListener('line', (event) => {
    const line = JSON.parse(event.data);
    sessionStorage.setItem(KEY, event.lastEventId);
    record.lines.push(line);
    record.ids.push(event.lastEventId);
    log.append(el('span', { class: 'id' }, `${event.lastEventId.padEnd(12)} `), `#${line.build} ${line.text}\n`);
    while (log.childNodes.length > 600) log.firstChild.remove();
    log.scrollTop = log.scrollHeight;
  });
  source.addEventListener('gap', (event) => {
    record.gaps.push(event.data);
    log.append(`--- gap: ${event.data} ---\n`);
  });
}
