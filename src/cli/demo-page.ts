/**
 * The demo's one page: a text box, a Send button, the log of what was sent and
 * echoed, and the connection's state, using the browser's own WebSocket.
 * Messages are shown with textContent, never as HTML.
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard echo</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  form { display: flex; gap: .5rem; }
  input { flex: 1; font: inherit; padding: .3rem; }
  #status { font-weight: bold; }
  #log { list-style: none; padding: 0; font-family: ui-monospace, monospace; }
  .sent { color: #555; }
</style>
</head>
<body>
<h1>Switchboard echo</h1>
<p>Connection: <span id="status">connecting</span></p>
<form id="form">
  <input id="message" autocomplete="off" placeholder="Type a message" autofocus>
  <button id="send" type="submit">Send</button>
</form>
<ul id="log"></ul>
<script>
  const status = document.getElementById('status');
  const log = document.getElementById('log');
  const input = document.getElementById('message');
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const socket = new WebSocket(scheme + location.host + '/ws');

  function append(text, className) {
    const item = document.createElement('li');
    item.className = className;
    item.textContent = text;
    log.append(item);
  }

  socket.onopen = () => { status.textContent = 'open'; };
  socket.onmessage = (event) => append('< ' + event.data, 'echo');
  socket.onclose = (event) => { status.textContent = 'closed (' + event.code + ')'; };
  socket.onerror = () => { status.textContent = 'error'; };

  document.getElementById('form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(input.value);
    append('> ' + input.value, 'sent');
    input.value = '';
  });
</script>
</body>
</html>
`;
