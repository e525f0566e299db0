#!/usr/bin/env node
// Install size of the packages as a user gets them: packs every package of a checkout with
// `pnpm pack`, then for each set (core+shm, core+zmq, core+mpi, everything) runs
// `npm install <tarballs>` in a fresh project under os.tmpdir() and prints the number of
// packages in node_modules (directories with a package.json at package roots, nested ones
// included) and `du -sm node_modules`.
//
//   node consumer/scripts/install-size.mjs                  the checkout this script is in
//   node consumer/scripts/install-size.mjs --repo /tmp/before   another checkout (built)
//   --keep                                                  keep the temporary directory
//
// When an install fails because a tarball depends on a sibling that is not in the set (and
// so is looked up on the registry), the set is installed again with every sibling tarball
// added, and the table says so.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
const repoArg = args.indexOf('--repo');
const repo = path.resolve(repoArg >= 0 ? args[repoArg + 1] : path.join(import.meta.dirname, '..', '..'));
const keep = args.includes('--keep');

const SETS = [
  ['core+shm', ['@futures/core', '@futures/transport-shm']],
  ['core+zmq', ['@futures/core', '@futures/transport-zmq']],
  ['core+mpi', ['@futures/core', '@futures/transport-mpi']],
  ['core+shm+dashboard', ['@futures/core', '@futures/transport-shm', '@futures/dashboard']],
  [
    'everything',
    [
      '@futures/core',
      '@futures/transport-shm',
      '@futures/transport-zmq',
      '@futures/transport-mpi',
      '@futures/cli',
      '@futures/dashboard',
    ],
  ],
];

function sh(file, argv, cwd, env = {}) {
  const r = spawnSync(file, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Every package root under node_modules (scoped and nested ones too). */
function countPackages(nodeModules) {
  let count = 0;
  if (!fs.existsSync(nodeModules)) return 0;
  for (const entry of fs.readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dir = path.join(nodeModules, entry);
    const roots = entry.startsWith('@') ? fs.readdirSync(dir).map((e) => path.join(dir, e)) : [dir];
    for (const root of roots) {
      if (fs.existsSync(path.join(root, 'package.json'))) count++;
      count += countPackages(path.join(root, 'node_modules'));
    }
  }
  return count;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-install-size-'));
try {
  const packDir = path.join(work, 'tarballs');
  fs.mkdirSync(packDir);
  const tarballs = {};
  for (const entry of fs.readdirSync(path.join(repo, 'packages'))) {
    const dir = path.join(repo, 'packages', entry);
    const manifestFile = path.join(dir, 'package.json');
    if (!fs.existsSync(manifestFile)) continue;
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    if (manifest.private) continue;
    const before = new Set(fs.readdirSync(packDir));
    const r = sh('pnpm', ['pack', '--pack-destination', packDir], dir);
    if (r.code !== 0) throw new Error(`pnpm pack failed in ${dir}:\n${r.out}`);
    const created = fs.readdirSync(packDir).filter((f) => !before.has(f));
    tarballs[manifest.name] = path.join(packDir, created[0]);
  }

  const rows = [];
  for (const [label, names] of SETS) {
    const project = path.join(work, label);
    const install = (list) => {
      fs.rmSync(project, { recursive: true, force: true });
      fs.mkdirSync(project);
      fs.writeFileSync(
        path.join(project, 'package.json'),
        '{ "name": "size", "version": "1.0.0", "private": true }\n',
      );
      return sh('npm', ['install', '--no-audit', '--no-fund', ...list.map((n) => tarballs[n])], project, {
        npm_config_nodedir: '/usr',
      });
    };
    let note = '';
    let r = install(names);
    if (r.code !== 0 && /E404|404 Not Found/.test(r.out) && /@futures\//.test(r.out)) {
      const all = Object.keys(tarballs);
      const added = all.filter((n) => !names.includes(n));
      note = `needed ${added.join(', ')} too (a dependency on a sibling, not on the registry)`;
      r = install(all);
    }
    if (r.code !== 0) {
      rows.push([label, 'install failed', '', r.out.trim().split('\n').slice(-3).join(' / ')]);
      continue;
    }
    const nm = path.join(project, 'node_modules');
    const du = sh('du', ['-sm', nm], project).out.split(/\s/)[0];
    rows.push([label, String(countPackages(nm)), du, note]);
  }

  const head = `install size (npm install of tarballs packed from ${repo})`;
  console.log(head);
  console.log('');
  console.log('| set | packages in node_modules | du -sm node_modules (MB) | note |');
  console.log('|---|---:|---:|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  if (keep) console.log(`\nkept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
