import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HAS_MPI, NO_MPI_REASON } from './support/processes.js';

const NATIVE = fileURLToPath(new URL('../dist/native.js', import.meta.url));

/** Loads the addon in a fresh process with these variables and prints the two UCX variables after. */
function ucxAfterLoad(vars: Record<string, string>): { events: string; mode: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.UCX_MEM_EVENTS;
  delete env.UCX_MEM_MMAP_HOOK_MODE;
  const script = `const { loadNative } = await import(${JSON.stringify(NATIVE)}); loadNative();
console.log(JSON.stringify({ events: String(process.env.UCX_MEM_EVENTS), mode: String(process.env.UCX_MEM_MMAP_HOOK_MODE) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...env, ...vars },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { events: string; mode: string };
}

// UCX's code-patching memory hooks race with V8's threads (a SIGSEGV in 2 of 40 MPICH jobs under
// load): loading the addon turns them off unless the user chose. mpich-check.mjs checks that UCX
// then installs no hook in a real MPICH job.
const needs = HAS_MPI ? '' : ` (${NO_MPI_REASON})`;
describe('UCX memory hooks', () => {
  it.skipIf(!HAS_MPI)(`are turned off before the addon loads MPI${needs}`, () => {
    expect(ucxAfterLoad({})).toEqual({ events: 'no', mode: 'undefined' });
  });
  it.skipIf(!HAS_MPI)(`are left as the user set them${needs}`, () => {
    expect(ucxAfterLoad({ UCX_MEM_EVENTS: 'yes' })).toEqual({ events: 'yes', mode: 'undefined' });
    expect(ucxAfterLoad({ UCX_MEM_MMAP_HOOK_MODE: 'reloc' })).toEqual({ events: 'undefined', mode: 'reloc' });
  });
});
