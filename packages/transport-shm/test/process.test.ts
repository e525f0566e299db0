import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/child.mjs', import.meta.url));

function run(mode: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [child, mode], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each case is a real `node` process: it must end by itself (spawnSync's timeout would kill
// a process kept alive by the pool, and the test would see the signal instead of status 0).
describe('process lifetime', () => {
  it('an idle pool that was never shut down does not keep the process alive', () => {
    const r = run('idle');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('result 5');
    expect(r.status).toBe(0);
  });

  it('a pool with outstanding work keeps the process alive until its results arrive', () => {
    const r = run('active');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('late result done');
    expect(r.status).toBe(0);
  });

  it('idle workers use (almost) no CPU', () => {
    const r = run('idle-cpu');
    expect(r.stderr).toBe('');
    const cpuMs = Number(/cpu (\d+(\.\d+)?)/.exec(r.stdout)?.[1]);
    // 500 ms idle with 2 workers: a spinning thread would use ~500 ms of CPU
    expect(cpuMs).toBeLessThan(100);
    expect(r.status).toBe(0);
  });

  it('shutdown() ends every worker thread and lets the process exit', () => {
    const r = run('shutdown');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('threads 2 2');
    expect(r.status).toBe(0);
  });
});
