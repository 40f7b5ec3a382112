// A chat page on the SDK's browser build: loads the history, then shows live messages and runs as they stream
// (a run's deltas in a `.streaming` line, replaced by the committed message), and appends what the user sends.
// Settings come from the query: ?api=…&realtime=…&token=…&id=… (a real page gets a short-lived user token from
// its backend, docs/security.md "Browsers and CORS").
import { createClient } from './threadline-client.browser.js';

const params = new URLSearchParams(location.search);
const client = createClient({
  baseUrl: params.get('api'),
  realtimeUrl: params.get('realtime'),
  token: params.get('token'),
});
const convo = client.handle(params.get('id'));
const list = document.querySelector('#messages');
const streaming = new Map(); // run_id -> its line while it streams

function line(role, text) {
  const item = document.createElement('li');
  const label = document.createElement('span');
  label.className = 'role';
  label.textContent = role;
  item.append(label, document.createTextNode(text));
  list.append(item);
  return item;
}

function showMessage(message) {
  streaming.get(message.metadata.run?.id)?.remove();
  const text = message.parts.map((part) => part.text ?? '').join('');
  line(message.role, text).dataset.seq = String(message.seq);
}

function showRunFrame(frame) {
  if (frame.type === 'run_event' && frame.kind === 'text-delta') {
    if (!streaming.has(frame.run_id)) {
      const item = line('assistant', '');
      item.className = 'streaming';
      streaming.set(frame.run_id, item);
    }
    streaming.get(frame.run_id).append(frame.delta);
  } else if (frame.type === 'run_status' && frame.status !== 'committed') {
    streaming.get(frame.run_id)?.remove();
  }
}

let last = 0;
for await (const message of convo.messages()) {
  showMessage(message);
  last = message.seq;
}
await convo.subscribe({ cursor: last, onMessage: showMessage, onRunEvent: showRunFrame });
document.body.dataset.state = 'live';

document.querySelector('#composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.querySelector('#text');
  const text = input.value.trim();
  input.value = '';
  if (text !== '') {
    await convo.append({ role: 'user', parts: [{ type: 'text', text }] });
  }
});
