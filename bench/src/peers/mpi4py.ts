import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BalanceStyle, type Peer, type PeerPool, WARM_SPIN_MS } from '../peer.js';

// mpi4py.futures (Debian's python3-mpi4py) in static mode, for the balance workload:
// `mpiexec -n WORKERS+1 python3 -m mpi4py.futures bench/python/mpi4py_balance.py`, rank 0
// being the controller. Rank 0 times each shape itself (first submit to last result) and
// answers over stdin/stdout, so no bridge latency is in the figures. Its throughput and
// bandwidth rows come from packages/transport-mpi/bench/run.mjs (mpi4py_futures_bench.py).

const PYTHON = process.env.FUTURES_BENCH_PYTHON ?? '/usr/bin/python3';
const LAUNCHER = process.env.FUTURES_MPIEXEC || 'mpiexec';
const PYDIR = fileURLToPath(new URL('../../python/', import.meta.url));
const SCRIPT = `${PYDIR}mpi4py_balance.py`;

function mpiEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYDIR };
  if (process.getuid?.() === 0) {
    env.OMPI_ALLOW_RUN_AS_ROOT ??= '1';
    env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ??= '1';
  }
  env.OMPI_MCA_rmaps_base_oversubscribe ??= '1'; // more ranks than the 2 cores here
  return env;
}

let version = 'mpi4py ?';

async function unavailable(): Promise<string | null> {
  const launcher = spawnSync(LAUNCHER, ['--version'], { encoding: 'utf8' });
  if (launcher.error !== undefined || launcher.status !== 0)
    return `${LAUNCHER} not found (apt install openmpi-bin, or set FUTURES_MPIEXEC)`;
  const py = spawnSync(PYTHON, ['-c', 'import mpi4py, mpi4py.futures; print(mpi4py.__version__)'], {
    encoding: 'utf8',
  });
  if (py.error !== undefined || py.status !== 0)
    return `${PYTHON} cannot import mpi4py.futures (apt install python3-mpi4py)`;
  version = `mpi4py ${py.stdout.trim()} (mpi4py.futures, static mode)`;
  return null;
}

class Mpi4pyPool implements PeerPool {
  readonly #child: ChildProcess;
  readonly #waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  #failed: Error | null = null;

  constructor(workers: number) {
    const argv = ['-n', String(workers + 1), PYTHON, '-m', 'mpi4py.futures', SCRIPT];
    this.#child = spawn(LAUNCHER, [...argv, `--warm-ms=${WARM_SPIN_MS}`], {
      env: mpiEnv(),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return; // not ours (a launcher notice)
      this.#waiting.shift()?.resolve(JSON.parse(line) as Record<string, unknown>);
    });
    this.#child.on('exit', (code, signal) => {
      this.#failed = new Error(`mpiexec (mpi4py.futures) exited (code ${code}, signal ${signal})`);
      for (const w of this.#waiting.splice(0)) w.reject(this.#failed);
    });
  }

  /** The next JSON line from rank 0. */
  #next(): Promise<Record<string, unknown>> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** Resolves once rank 0 booted and warmed the pool (its "ready" line). */
  async ready(): Promise<this> {
    const hello = await this.#next();
    if (hello.ready !== true)
      throw new Error(`mpi4py.futures: unexpected first line ${JSON.stringify(hello)}`);
    version = `${String(hello.version)} (mpi4py.futures, static mode; ${String(hello.mpi)})`;
    return this;
  }

  async timeSpins(durations: readonly number[], style: BalanceStyle): Promise<{ ms: number; sum: number }> {
    const answer = this.#next();
    this.#child.stdin!.write(`${JSON.stringify({ durations, style: style === 'map' ? 'map' : 'submit' })}\n`);
    const { ms, sum } = await answer;
    return { ms: ms as number, sum: sum as number };
  }

  noop(): Promise<never> {
    return Promise.reject(new Error('the mpi4py.futures row runs the balance workload only'));
  }

  echo(): Promise<never> {
    return this.noop();
  }

  async close(): Promise<void> {
    if (this.#failed !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin!.end();
    const guard = setTimeout(() => this.#child.kill('SIGKILL'), 30_000); // only if it hangs
    await exited;
    clearTimeout(guard);
  }
}

export const peers: Peer[] = [
  {
    name: 'mpi4py.futures',
    get version() {
      return version;
    },
    semantics: 'copy',
    workloads: ['balance'],
    balanceStyles: ['submit', 'map'],
    unavailable,
    start: (workers) => new Mpi4pyPool(workers).ready(),
  },
];
