// One executor's section on the page, built from the <template> in index.html. Every
// element a test (or a user's script) may look for carries a stable data attribute:
// [data-executor], [data-counter=...], [data-worker] rows with data-state, [data-task-stream]
// (data-bars: bars drawn), [data-rate-chart], [data-errors] > [data-error], [data-events].

import { RateChart, TaskStreamChart } from './charts.js';

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const rateFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A clock time "12:34:56.789" (the controller's clock, shown in the page's time zone). */
function clock(time) {
  const date = new Date(time);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

export class ExecutorView {
  #model;
  #section;
  #taskStream;
  #rateChart;
  #errorsVersion = -1;
  #eventsVersion = -1;

  /** Builds the section for `model` and appends it to `container`. */
  constructor(model, container) {
    this.#model = model;
    const template = document.getElementById('executor-template');
    this.#section = template.content.firstElementChild.cloneNode(true);
    this.#section.dataset.executor = model.info.executorId;
    container.append(this.#section);
    this.#taskStream = new TaskStreamChart(this.#find('[data-task-stream]'));
    this.#rateChart = new RateChart(this.#find('[data-rate-chart]'));
  }

  get section() {
    return this.#section;
  }

  #find(selector) {
    return this.#section.querySelector(selector);
  }

  /** Redraws everything from the model (cheap enough at the page's frame rate). */
  render() {
    const model = this.#model;
    const info = model.info;
    this.#find('[data-field="title"]').textContent = info.executorId;
    this.#find('[data-field="transport"]').textContent = info.transport;
    const state = this.#find('[data-field="state"]');
    const stateName =
      model.broken !== undefined ? 'broken' : info.closedAt !== undefined ? 'shutdown' : 'running';
    state.dataset.state = stateName;
    state.textContent =
      stateName === 'broken' ? `broken: ${model.broken}` : stateName === 'shutdown' ? 'shut down' : 'running';
    this.#section.dataset.transport = info.transport;
    this.#section.dataset.state = stateName;
    this.#renderSettings(info);
    this.#renderCounters(model);
    this.#renderWorkers(model);
    this.#renderErrors(model);
    this.#renderEvents(model);
    this.#taskStream.update(model.lanes(), model.recentSpans());
    this.#rateChart.update(model.samples);
  }

  resize() {
    this.#taskStream.resize();
    this.#rateChart.resize();
  }

  #renderSettings(info) {
    const list = this.#find('[data-settings]');
    const entries = [
      ['controller', `${info.host} pid ${info.pid}`],
      ...Object.entries(info.settings).filter(([, value]) => value !== null && value !== undefined),
    ];
    const signature = JSON.stringify(entries);
    if (list.dataset.signature === signature) return;
    list.dataset.signature = signature;
    list.replaceChildren(
      ...entries.map(([name, value]) => {
        const item = element('div', { 'data-setting': name });
        item.append(element('dt', {}, name), element('dd', {}, value));
        return item;
      }),
    );
  }

  #renderCounters(model) {
    const stats = model.stats;
    const set = (name, text) => {
      this.#find(`[data-counter="${name}"]`).textContent = text;
    };
    set('workers', model.aliveWorkers());
    set('submitted', numberFormat.format(stats?.submitted ?? 0));
    set('completed', numberFormat.format(stats?.completed ?? 0));
    set('failed', numberFormat.format(stats?.failed ?? 0));
    set('queued', numberFormat.format(stats?.queued ?? 0));
    set('running', numberFormat.format(stats?.running ?? 0));
    const rate = stats?.tasksPerSecond ?? 0;
    set('rate', rate >= 100 ? numberFormat.format(rate) : rateFormat.format(rate));
    // Raw numbers too, for scripts that read them.
    this.#section.dataset.completed = String(stats?.completed ?? 0);
    this.#section.dataset.failed = String(stats?.failed ?? 0);
  }

  #renderWorkers(model) {
    const body = this.#find('[data-workers]');
    const rows = [];
    for (const worker of [...model.workers.values()].sort((a, b) => a.workerId - b.workerId)) {
      const row = element('tr', { 'data-worker': worker.workerId, 'data-state': worker.state });
      const percent = Math.round(Math.max(0, Math.min(1, worker.utilization)) * 100);
      const util = element('td', { 'data-field': 'utilization' });
      const bar = element('span', { class: 'util' });
      const fill = element('i');
      fill.style.width = `${percent}%`;
      bar.append(fill);
      util.append(bar, `${percent}%`);
      const state = element('td', { class: 'state', 'data-state': worker.state }, worker.state);
      if (worker.lostReason) state.title = worker.lostReason;
      row.append(
        element('td', {}, worker.workerId),
        element('td', {}, worker.host),
        element('td', { class: 'num' }, worker.pid),
        element(
          'td',
          { 'data-field': 'label' },
          worker.label ?? (worker.threadId ? `thread ${worker.threadId}` : '—'),
        ),
        state,
        util,
        element(
          'td',
          { class: 'num', 'data-field': 'in-flight' },
          worker.state === 'alive' ? worker.inFlight : 0,
        ),
        element('td', { class: 'num', 'data-field': 'completed' }, worker.completed),
      );
      rows.push(row);
    }
    body.replaceChildren(...rows);
  }

  #renderErrors(model) {
    if (model.errorsVersion === this.#errorsVersion) return;
    this.#errorsVersion = model.errorsVersion;
    const list = this.#find('[data-errors]');
    if (model.errors.length === 0) {
      list.replaceChildren(element('li', { class: 'none', 'data-none': '' }, 'none'));
      return;
    }
    // Newest first.
    const items = model.errors
      .slice()
      .reverse()
      .map((error) => {
        const item = element('li', {
          'data-error': '',
          'data-name': error.name,
          'data-worker-id': error.workerId,
        });
        const head = element('div');
        head.append(
          element('time', {}, clock(error.time)),
          element('span', { class: 'error-name', 'data-field': 'name' }, error.name),
          ': ',
          element('span', { 'data-field': 'message' }, error.message),
          element(
            'span',
            { class: 'where' },
            ` (${error.fn}${error.workerId >= 0 ? ` on worker ${error.workerId}` : ''})`,
          ),
        );
        item.append(head);
        if (error.stack) item.append(element('pre', { 'data-field': 'stack' }, error.stack));
        return item;
      });
    list.replaceChildren(...items);
  }

  #renderEvents(model) {
    if (model.eventsVersion === this.#eventsVersion) return;
    this.#eventsVersion = model.eventsVersion;
    const items = model.events
      .slice()
      .reverse()
      .map((event) => {
        const item = element('li', { 'data-event': event.kind, 'data-worker-id': event.workerId });
        item.append(
          element('time', {}, clock(event.time)),
          element(
            'span',
            { class: 'event-kind', 'data-kind': event.kind === 'joined' ? 'joined' : 'lost' },
            event.kind,
          ),
          event.kind === 'joined' || event.text === ''
            ? ` worker ${event.workerId} ${event.text}`
            : ` worker ${event.workerId}: ${event.text}`,
        );
        return item;
      });
    this.#find('[data-events]').replaceChildren(...items);
  }
}
