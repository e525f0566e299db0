// The dashboard page: listens to the server's events (GET /events, server-sent events; the
// protocol is src/messages.ts), keeps the state in a DashboardModel and redraws the sections
// of the executors that changed, at most once per animation frame. No polling: the server
// pushes every change.

import { DashboardModel } from './model.js';
import { ExecutorView } from './view.js';

const model = new DashboardModel();
/** executorId → ExecutorView */
const views = new Map();
const dirty = new Set();
let frameRequested = false;

const container = document.getElementById('executors');
const connection = document.getElementById('connection');

/** The events URL: same origin, carrying the page's `?token=` when it has one. */
function eventsUrl() {
  const url = new URL('events', window.location.href);
  url.search = '';
  const token = new URLSearchParams(window.location.search).get('token');
  if (token !== null) url.searchParams.set('token', token);
  return url.href;
}

function setConnection(state, text) {
  connection.dataset.state = state;
  connection.textContent = text;
}

function scheduleRender(executorIds) {
  for (const id of executorIds) dirty.add(id);
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(render);
}

function render() {
  frameRequested = false;
  for (const id of dirty) {
    const executor = model.executors.get(id);
    if (executor === undefined) continue;
    let view = views.get(id);
    if (view === undefined) {
      view = new ExecutorView(executor, container);
      views.set(id, view);
    }
    view.render();
  }
  dirty.clear();
  document.getElementById('waiting').hidden = model.executors.size > 0;
  const totals = model.totals();
  document.getElementById('executor-count').textContent = String(totals.executors);
  document.getElementById('worker-count').textContent = String(totals.workers);
  document.getElementById('completed').textContent = String(totals.completed);
  document.getElementById('failed').textContent = String(totals.failed);
  const sampled = document.getElementById('sampled');
  sampled.hidden = model.droppedSpans === 0;
  document.getElementById('dropped').textContent = String(model.droppedSpans);
  if (model.program !== undefined) {
    document.title = `futures dashboard: ${model.program.title} (pid ${model.program.pid})`;
  }
}

function onMessage(event) {
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    console.warn('futures dashboard: ignored an event that is not JSON');
    return;
  }
  if (message.type === 'hello') {
    // A (re)connection: the server sends everything again; rebuild the sections from it.
    for (const view of views.values()) view.section.remove();
    views.clear();
    dirty.clear();
  }
  scheduleRender(model.apply(message));
}

function connect() {
  const source = new EventSource(eventsUrl());
  source.onopen = () => setConnection('open', 'live');
  source.onmessage = onMessage;
  source.onerror = () => {
    // Every executor shut down and then the stream broke: the program has ended (its server
    // goes with it). Stop retrying and keep showing the last state.
    const ended = model.executors.size > 0 && model.allClosed();
    if (ended || source.readyState === EventSource.CLOSED) {
      source.close();
      setConnection('closed', ended ? 'program ended' : 'disconnected');
    } else {
      // EventSource reconnects by itself (the server asks for a retry every 2 s).
      setConnection('connecting', 'reconnecting…');
    }
  };
}

window.addEventListener('resize', () => {
  for (const view of views.values()) view.resize();
});

connect();
