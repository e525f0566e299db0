#!/usr/bin/env node
// Proves the addon builds and works against MPICH (the ABI Cray MPICH shares): builds a copy
// with MPICH's wrapper into build/mpich/futures_mpi.node (the Open MPI build is untouched),
// checks that it links libmpich, then runs a static-mode job and a comm-executor job under
// MPICH's mpiexec with it (FUTURES_MPI_ADDON picks the addon).
//   pnpm --filter @futures/transport-mpi build:mpich-check
// Env: FUTURES_MPICC (default mpicc.mpich), FUTURES_MPIEXEC (default mpiexec.mpich).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wrapper = process.env.FUTURES_MPICC || 'mpicc.mpich';
const launcher = process.env.FUTURES_MPIEXEC || 'mpiexec.mpich';
const out = path.join(pkgDir, 'build', 'mpich', 'futures_mpi.node');

function step(title, cmd, args, env = {}) {
  console.error(`mpich-check: ${title}`);
  const r = spawnSync(cmd, args, {
    cwd: pkgDir,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) {
    console.error(r.stdout ?? '', r.stderr ?? '', r.error ?? '');
    console.error(`mpich-check: FAILED at "${title}" (exit ${r.status})`);
    process.exit(1);
  }
  return r.stdout;
}

for (const tool of [wrapper, launcher]) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(
      `mpich-check: ${tool} not found. Install MPICH (apt: mpich libmpich-dev) or set FUTURES_MPICC/FUTURES_MPIEXEC.`,
    );
    process.exit(1);
  }
}

// A copy of the sources, so node-gyp's build/ of the Open MPI addon is not touched.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-mpich-'));
for (const f of ['binding.gyp', 'native', 'scripts'])
  fs.cpSync(path.join(pkgDir, f), path.join(dir, f), { recursive: true });
fs.symlinkSync(path.join(pkgDir, 'node_modules'), path.join(dir, 'node_modules'));
try {
  step(
    `build with ${wrapper}`,
    process.execPath,
    [path.join(dir, 'scripts', 'build-native.mjs'), '--dir', dir, '--out', out],
    {
      FUTURES_MPICC: wrapper,
    },
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const ldd = step('check the linked MPI', 'ldd', [out]);
if (!/libmpich/.test(ldd)) {
  console.error(ldd);
  console.error('mpich-check: FAILED: the addon does not link libmpich');
  process.exit(1);
}
const env = { FUTURES_MPI_ADDON: out, FUTURES_TRANSPORT: 'mpi' };
const app = path.join('scripts', 'mpich-smoke-app.mjs');
// UCX_MEM_LOG_LEVEL=info: UCX says "mmap installed events" when it patches libc's memory
// functions, which races with V8's threads (native.ts turns the hooks off; checked below).
const staticOut = step(
  `static mode under ${launcher}`,
  launcher,
  ['-n', '3', process.execPath, 'dist/run.js', app, 'static'],
  { ...env, UCX_MEM_LOG_LEVEL: 'info' },
);
if (/installed events/.test(staticOut)) {
  console.error(staticOut);
  console.error('mpich-check: FAILED: UCX installed its memory hooks (UCX_MEM_EVENTS=no was not applied)');
  process.exit(1);
}
const commOut = step(
  `comm executor under ${launcher}`,
  launcher,
  ['-n', '3', process.execPath, app, 'comm'],
  env,
);
for (const text of [staticOut, commOut]) {
  if (!text.includes('mpich-smoke: ok')) {
    console.error(text);
    console.error('mpich-check: FAILED: the smoke app did not report ok');
    process.exit(1);
  }
}
process.stdout.write(staticOut + commOut);
console.error(`mpich-check: ok (${out})`);
