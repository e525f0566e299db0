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
//
// node-gyp is not a dependency of the package: npm and pnpm bundle one for install scripts and
// name it in npm_config_node_gyp (pnpm also puts its node-gyp-bin on PATH). It is looked for
// in that order: npm_config_node_gyp, a node-gyp package resolvable from here (the workspace
// has one as a devDependency), node-gyp on PATH; else this script says how to build.
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
// Where the package is installed in an application, the package manager reruns its install script.
const REBUILD =
  'npm rebuild @futures/transport-mpi, or pnpm rebuild @futures/transport-mpi (pnpm runs the script only once ' +
  'it is approved: pnpm approve-builds, or "@futures/transport-mpi" under onlyBuiltDependencies in pnpm-workspace.yaml)';
const HINT = `install an MPI with its headers (Debian/Ubuntu: apt-get install libopenmpi-dev), then run ${REBUILD}`;

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

/** An executable file named `name` in a PATH directory, or null. */
function onPath(name) {
  const names = process.platform === 'win32' ? [`${name}.cmd`, `${name}.exe`, name] : [name];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const n of names) {
      const file = path.join(dir, n);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {}
    }
  }
  return null;
}

/** How to run node-gyp: [command, ...leading args] and where it was found, or null. */
function findNodeGyp() {
  const viaNode = (file) => (/\.[cm]?js$/.test(file) ? [process.execPath, file] : [file]);
  const fromEnv = process.env.npm_config_node_gyp;
  if (fromEnv && fs.existsSync(fromEnv))
    return { argv: viaNode(fromEnv), from: `npm_config_node_gyp (${fromEnv})` };
  try {
    const js = createRequire(path.join(pkgDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
    return { argv: [process.execPath, js], from: `the node-gyp package (${js})` };
  } catch {}
  const bin = onPath('node-gyp');
  if (bin !== null) return { argv: [bin], from: `PATH (${bin})` };
  return null;
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
  const gyp = findNodeGyp();
  if (gyp === null) {
    note(
      'node-gyp was not found (npm_config_node_gyp is not set, no node-gyp package resolves from here, none is on PATH). ' +
        `npm and pnpm bring their own to install scripts: build the addon with ${REBUILD}; ` +
        `or install node-gyp (npm install -g node-gyp) and run node scripts/build-native.mjs in ${pkgDir}.`,
    );
    return fromInstall ? 0 : 1;
  }
  note(
    `building the addon against ${flags.flavor} (wrapper: ${flags.wrapper}) with node-gyp from ${gyp.from}`,
  );
  // configure + build (not rebuild): an incremental build never deletes a working addon first.
  const [command, ...lead] = gyp.argv;
  const r = spawnSync(command, [...lead, 'configure', 'build', '--jobs=max'], {
    cwd: buildDir,
    env: nodeDirEnv(),
    stdio: fromInstall ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    shell: process.platform === 'win32' && /\.cmd$/i.test(command),
  });
  if (r.status !== 0) {
    note(
      `the addon failed to build (node-gyp ${r.error ? r.error.message : `exit ${r.status}`}). To retry: ${HINT}.`,
    );
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
