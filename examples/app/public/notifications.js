// Notifications over long polling, for comparison: a second client limited to the
// `polling` transport, with every HTTP request it makes counted.
import { connect } from '/switchboard/client.js';
import { appendCapped, el, format } from '/app/dom.js';

export function startNotifications(channel) {
  const list = document.getElementById('notification-list');
  const status = document.getElementById('poll-status');
  const record = (window.switchboard.notifications = { requests: 0, received: [] });
  const started = performance.now();
  const counting = (url, init) => {
    record.requests++;
    show();
    return fetch(url, init);
  };
  const client = connect('/switchboard', { transports: ['polling'], fetch: counting });
  const show = () => {
    const minutes = (performance.now() - started) / 60_000;
    status.textContent = `${client.state} over ${client.transport ?? 'polling'} · ${record.requests} HTTP requests so far (${format(record.requests / Math.max(minutes, 1 / 60))} a minute) · ${record.received.length} notifications`;
  };
  client.subscribe(channel, (event) => {
    if (event.type !== 'message') return;
    const note = JSON.parse(event.data);
    record.received.push(note);
    appendCapped(list, el('li', {}, el('span', { class: 'id' }, event.id), note.text), 50);
    show();
  });
  client.addEventListener('open', show);
  setInterval(show, 1000);
}
