// Finds the MPI compiler wrapper and reads its flags: Open MPI (--showme:compile / --showme:link),
// MPICH and derivatives (-show), Cray compiler wrappers (--cray-print-opts).
import { spawnSync } from 'node:child_process';

export function wrapperName(env = process.env) {
  return env.FUTURES_MPICC || 'mpicc';
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim();
}

function split(s) {
  return s.split(/\s+/).filter(Boolean);
}

/** Splits a wrapper's full command line into compile flags and link flags. */
function fromShow(line) {
  const tokens = split(line).slice(1); // drop the underlying compiler
  const cflags = [];
  const libs = [];
  for (const t of tokens) {
    if (t.startsWith('-I') || t.startsWith('-D') || t === '-pthread') cflags.push(t);
    if (t.startsWith('-L') || t.startsWith('-l') || t.startsWith('-Wl,') || t === '-pthread') libs.push(t);
  }
  return { cflags, libs };
}

/** Adds an rpath for every -L directory, so the addon finds the MPI it was built against. */
function withRpath(libs) {
  const out = [...libs];
  for (const l of libs) if (l.startsWith('-L')) out.push(`-Wl,-rpath,${l.slice(2)}`);
  return out;
}

export function mpiFlags(env = process.env) {
  if (env.FUTURES_MPI_CFLAGS !== undefined || env.FUTURES_MPI_LIBS !== undefined) {
    return {
      wrapper: 'FUTURES_MPI_CFLAGS/FUTURES_MPI_LIBS',
      flavor: 'explicit',
      cflags: split(env.FUTURES_MPI_CFLAGS ?? ''),
      libs: split(env.FUTURES_MPI_LIBS ?? ''),
    };
  }
  const wrapper = wrapperName(env);
  const compile = run(wrapper, ['--showme:compile']);
  const link = compile === null ? null : run(wrapper, ['--showme:link']);
  if (compile !== null && link !== null) {
    return { wrapper, flavor: 'Open MPI', cflags: split(compile), libs: withRpath(split(link)) };
  }
  const show = run(wrapper, ['-show']);
  if (show !== null) return { wrapper, flavor: 'MPICH', ...withRpathOf(fromShow(show)) };
  const crayC = run(wrapper, ['--cray-print-opts=cflags']);
  const crayL = crayC === null ? null : run(wrapper, ['--cray-print-opts=libs']);
  if (crayC !== null && crayL !== null) {
    return { wrapper, flavor: 'Cray', cflags: split(crayC), libs: withRpath(split(crayL)) };
  }
  throw new Error(
    `futures-mpi: no MPI compiler wrapper "${wrapper}" answered (--showme, -show or --cray-print-opts). ` +
      'Install libopenmpi-dev (or mpich / libmpich-dev), or set FUTURES_MPICC to your wrapper ' +
      '(e.g. FUTURES_MPICC=mpicc.mpich, or cc on Cray), or FUTURES_MPI_CFLAGS/FUTURES_MPI_LIBS.',
  );
}

function withRpathOf(f) {
  return { cflags: f.cflags, libs: withRpath(f.libs) };
}
