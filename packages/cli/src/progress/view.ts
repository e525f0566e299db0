import { isProgressMessage } from '@futures/core';
import cliProgress from 'cli-progress';
import {
  formatFinal,
  formatHeader,
  formatLine,
  formatOthers,
  formatWorker,
  utilisationOf,
} from './format.js';
import { type FinalSummary, ProgressModel } from './model.js';

/** Draws the progress of a program from the stats messages its executors send. */
export interface ProgressRenderer {
  /** Feeds one IPC message (others are ignored). */
  message(m: unknown): void;
  /** Writes program output without breaking the view (terminal view only). */
  log(text: string): void;
  /** Final lines; stops timers. */
  stop(): void;
}

/** Plain lines on a stream that is not a terminal: one per `intervalMs` while anything changes. */
export class LineRenderer implements ProgressRenderer {
  readonly #model = new ProgressModel();
  readonly #out: NodeJS.WritableStream;
  readonly #timer: NodeJS.Timeout;
  #last = '';
  #dirty = false;

  constructor(out: NodeJS.WritableStream, intervalMs: number) {
    this.#out = out;
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  message(m: unknown): void {
    if (!isProgressMessage(m)) return;
    const final = this.#model.update(m);
    this.#dirty = true;
    if (final !== null) this.#final(final);
  }

  log(text: string): void {
    this.#out.write(text);
  }

  #final(f: FinalSummary): void {
    this.#out.write(`${formatFinal(f)}\n`);
  }

  #tick(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const v = this.#model.view();
    if (v.live === 0) return;
    const line = formatLine(v);
    // the elapsed time at the end changes every time: compare the rest
    const key = line.slice(0, line.lastIndexOf(' | '));
    if (key === this.#last) return;
    this.#last = key;
    this.#out.write(`${line}\n`);
  }

  stop(): void {
    clearInterval(this.#timer);
    const v = this.#model.view();
    if (v.live > 0) this.#out.write(`${formatLine(v)}\n`);
  }
}

type Bar = cliProgress.SingleBar;

/** The live terminal view: an overall bar and one utilisation bar per worker (cli-progress). */
export class TerminalRenderer implements ProgressRenderer {
  readonly #model = new ProgressModel();
  readonly #out: NodeJS.WriteStream;
  readonly #bars: cliProgress.MultiBar;
  #header: Bar | null = null;
  readonly #workerBars = new Map<string, Bar>();
  #othersBar: Bar | null = null;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.#bars = new cliProgress.MultiBar({
      stream: out,
      format: ' {label} {bar} {text}',
      // room for the label and the header text on the terminal's width
      barsize: Math.max(8, Math.min(30, (out.columns || 100) - 80)),
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      emptyOnZero: true,
      linewrap: false,
      fps: 10,
      forceRedraw: true,
      gracefulExit: false,
    });
  }

  #maxWorkerBars(): number {
    const rows = this.#out.rows || 24;
    return Math.max(2, Math.min(16, rows - 6));
  }

  message(m: unknown): void {
    if (!isProgressMessage(m)) return;
    const final = this.#model.update(m);
    if (final !== null) this.log(`${formatFinal(final)}\n`);
    this.#render();
  }

  #render(): void {
    const v = this.#model.view();
    const finished = v.completed + v.failed + v.cancelled;
    const label = (v.transports.join('+') || 'tasks').padEnd(5).slice(0, 8);
    if (this.#header === null) {
      this.#header = this.#bars.create(Math.max(1, v.submitted), finished, { label, text: formatHeader(v) });
    } else {
      this.#header.setTotal(Math.max(1, v.submitted));
      this.#header.update(finished, { label, text: formatHeader(v) });
    }
    const max = this.#maxWorkerBars();
    const shown = v.workers.length > max ? v.workers.slice(0, max - 1) : v.workers;
    const rest = v.workers.slice(shown.length);
    const keep = new Set(shown.map((w) => w.key));
    for (const [key, bar] of this.#workerBars) {
      if (!keep.has(key)) {
        this.#bars.remove(bar);
        this.#workerBars.delete(key);
      }
    }
    for (const w of shown) {
      const payload = { label: w.label.padEnd(5), text: formatWorker(w) };
      const bar = this.#workerBars.get(w.key);
      if (bar === undefined)
        this.#workerBars.set(w.key, this.#bars.create(100, Math.round(w.utilisation * 100), payload));
      else bar.update(Math.round(w.utilisation * 100), payload);
    }
    if (rest.length > 0) {
      const payload = { label: '...  ', text: formatOthers(rest) };
      const value = Math.round(utilisationOf(rest) * 100);
      if (this.#othersBar === null) this.#othersBar = this.#bars.create(100, value, payload);
      else this.#othersBar.update(value, payload);
    } else if (this.#othersBar !== null) {
      this.#bars.remove(this.#othersBar);
      this.#othersBar = null;
    }
  }

  log(text: string): void {
    // before the first snapshot there is no view to keep intact
    if (this.#header === null) this.#out.write(text);
    else this.#bars.log(text);
  }

  stop(): void {
    if (this.#header !== null) this.#bars.update();
    this.#bars.stop();
  }
}
