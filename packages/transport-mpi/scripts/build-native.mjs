#!/usr/bin/env node
// Builds the MPI addon (build/Release/futures_mpi.node) with node-gyp against the MPI that
// the compiler wrapper names (FUTURES_MPICC, default mpicc).
//
//   node scripts/build-native.mjs                 build now; fail loudly (build:native)
//   node scripts/build-native.mjs --from-install  the package's install script: never fails the
//                                                  install (no MPI: a note; the transport then
//                                                  explains what to install when used); keeps an
//                                                  up-to-date build as it is
//   node scripts/build-native.mjs --if-missing    `build`: only when the addon is missing or older
//                                                  than its sources; no MPI is a note, not an error
//   node scripts/build-native.mjs --dir D --out F build in directory D (a copy of the sources) and
//                                                  copy the result to F (used by mpich-check)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mpiFlags, wrapperName } from './mpi-detect.mjs';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const fromInstall = args.includes('--from-install');
const ifMissing = args.includes('--if-missing');
const argValue = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const buildDir = argValue('--dir') ?? pkgDir;
const outFile = argValue('--out');
const addon = path.join(buildDir, 'build', 'Release', 'futures_mpi.node');
const HINT = 'install libopenmpi-dev (or mpich) and run pnpm --filter @futures/transport-mpi build:native';

function note(message) {
  console.error(`@futures/transport-mpi: ${message}`);
}

function upToDate() {
  if (!fs.existsSync(addon)) return false;
  const built = fs.statSync(addon).mtimeMs;
  const sources = [
    path.join(pkgDir, 'binding.gyp'),
    ...fs.readdirSync(path.join(pkgDir, 'native')).map((f) => path.join(pkgDir, 'native', f)),
  ];
  return sources.every((s) => fs.statSync(s).mtimeMs <= built);
}

function nodeDirEnv() {
  const env = { ...process.env };
  if (!env.npm_config_nodedir) {
    // Use the headers of the running Node (no download): <prefix>/include/node.
    const prefix = path.resolve(path.dirname(process.execPath), '..');
    if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = prefix;
  }
  return env;
}

function main() {
  // An install re-runs in every `pnpm install` of the workspace: keep a current build as it is.
  if ((ifMissing || fromInstall) && upToDate()) return 0;
  let flags;
  try {
    flags = mpiFlags();
  } catch (error) {
    if (fromInstall || ifMissing) {
      note(
        `no MPI found (${wrapperName()} did not answer); the MPI transport is not built. To use it: ${HINT}.`,
      );
      return 0;
    }
    note(error.message);
    return 1;
  }
  let gyp;
  try {
    gyp = createRequire(path.join(pkgDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    note('node-gyp is not installed (run pnpm install first)');
    return fromInstall ? 0 : 1;
  }
  note(`building the addon against ${flags.flavor} (wrapper: ${flags.wrapper})`);
  // configure + build (not rebuild): an incremental build never deletes a working addon first.
  const r = spawnSync(process.execPath, [gyp, 'configure', 'build', '--jobs=max'], {
    cwd: buildDir,
    env: nodeDirEnv(),
    stdio: fromInstall ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
  if (r.status !== 0) {
    note(`the addon failed to build (node-gyp exit ${r.status}). To retry: ${HINT}.`);
    return fromInstall ? 0 : 1;
  }
  if (outFile) {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.copyFileSync(addon, outFile);
  }
  note(`built ${outFile ?? addon}`);
  return 0;
}

process.exit(main());
