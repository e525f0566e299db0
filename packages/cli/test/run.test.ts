import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, cleanEnv, FIXTURES, futures } from './support/cli.js';

interface EnvReport {
  argv: string[];
  env: Record<string, string>;
  send: string;
}
const parse = (stdout: string): EnvReport => JSON.parse(stdout) as EnvReport;

describe('futures run: exit status', () => {
  it.each([0, 3, 42])('passes exit code %i through', async (code) => {
    const r = await futures(['run', 'exit-with.mjs', String(code)]);
    expect(r.code).toBe(code);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGKILL', 137],
  ])('a program killed by %s exits 128+n', async (signal, status) => {
    const r = await futures(['run', 'exit-with.mjs', signal]);
    expect(r.code).toBe(status);
  });

  it('an uncaught error in the program exits non-zero and shows the error', async () => {
    const r = await futures(['run', 'exit-with.mjs', 'throw']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('boom from the program');
    const rejected = await futures(['run', 'exit-with.mjs', 'reject']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('rejected in the program');
  });
});

describe('futures run: the program and its arguments', () => {
  it('passes arguments, options included, to a script', async () => {
    const r = await futures(['run', 'env.mjs', 'a', '--flag', '-n', '3', '--', 'b']);
    expect(r.code).toBe(0);
    const out = parse(r.stdout);
    expect(out.argv).toEqual([path.join(FIXTURES, 'env.mjs'), 'a', '--flag', '-n', '3', '--', 'b']);
    // no IPC channel without --progress: the program sees a plain process
    expect(out.send).toBe('undefined');
  });

  it('-m runs a module resolved from the current directory, with argv[1] its path', async () => {
    const r = await futures(['run', '-m', './env.mjs', 'x', '--y']);
    expect(r.code).toBe(0);
    expect(parse(r.stdout).argv).toEqual([path.join(FIXTURES, 'env.mjs'), 'x', '--y']);
  });

  it('-m with a module that does not exist fails with a clear message', async () => {
    const r = await futures(['run', '-m', 'no-such-package-anywhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot find module no-such-package-anywhere/);
  });

  it('-c runs code as an ES module with argv[1] "-c"', async () => {
    const r = await futures(['run', '-c', 'console.log(JSON.stringify(process.argv.slice(1)))', 'p', '--q']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['-c', 'p', '--q']);
  });

  // Workers must not inherit how the program was started (--input-type, --eval CODE, the -c
  // preload): a thread then refused to start, and a zmq worker process ran the program again,
  // each one starting a pool of its own. The guard turns that recursion into a clean failure.
  it.each(['shm', 'zmq'])('-c code starts a pool on %s whose workers run tasks, not the code', async (t) => {
    const code = [
      "if (process.env.RUN_C_DEPTH) { console.error('the program ran again in a worker'); process.exit(9); }",
      "process.env.RUN_C_DEPTH = '1';",
      "const { PoolExecutor } = await import('@futures/core');",
      'const pool = new PoolExecutor({ maxWorkers: 2 });',
      'console.log(JSON.stringify([await pool.submit((a, b) => a + b, 2, 3), process.argv[1]]));',
      'await pool.shutdown();',
    ].join('\n');
    const r = await futures(['run', `--transport=${t}`, '-c', code]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([5, '-c']);
  });

  it('runs a TypeScript program through tsx', async () => {
    const r = await futures(['run', 'typed.ts', '2', '3']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([4, 9]);
  });

  it('runs a TypeScript program whose task module is TypeScript on shm workers', async () => {
    const r = await futures(['run', '--transport=shm', '-n', '2', 'typed-pool.ts']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ results: [1, 8, 27, 64], transport: 'shm' });
  });

  it('stdin reaches the program', async () => {
    const r = await futures(
      ['run', '-c', "process.stdin.on('data', (d) => process.stdout.write(String(d).toUpperCase()))"],
      {
        input: 'hello\n',
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('HELLO\n');
  });
});

describe('futures run: the environment the program gets', () => {
  it('sets FUTURES_TRANSPORT, FUTURES_MAX_WORKERS, FUTURES_CONFIG, options and the transport path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-cli-'));
    try {
      const config = path.join(dir, 'conf.json');
      fs.writeFileSync(config, '{}');
      const r = await futures(
        [
          'run',
          '--transport=shm',
          '-n',
          '3',
          '--config',
          config,
          '-o',
          'maxInFlight=8',
          '-o',
          'ringBytes=65536',
          'env.mjs',
        ],
        { env: cleanEnv({ FUTURES_TRANSPORT_PATH: '/somewhere/else' }) },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const { env } = parse(r.stdout);
      expect(env.FUTURES_TRANSPORT).toBe('shm');
      expect(env.FUTURES_MAX_WORKERS).toBe('3');
      expect(env.FUTURES_CONFIG).toBe(config);
      expect(env.FUTURES_MAX_IN_FLIGHT).toBe('8');
      expect(env.FUTURES_SHM_RING_BYTES).toBe('65536');
      // the user's path first, the CLI's own directory last
      expect(env.FUTURES_TRANSPORT_PATH!.split(path.delimiter)).toEqual(['/somewhere/else', CLI_DIR]);
      expect(env.FUTURES_PROGRESS).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without flags it sets only the transport path (the program configures itself)', async () => {
    const r = await futures(['run', 'env.mjs']);
    expect(r.code).toBe(0);
    expect(Object.keys(parse(r.stdout).env)).toEqual(['FUTURES_TRANSPORT_PATH']);
  });
});
