// The workspace's published packages and `pnpm pack` of each into one directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, runOk } from './exec.js';

/** Every package a user installs; the tests name them before anything is packed. */
export const PACKAGE_NAMES = [
  '@futures/core',
  '@futures/transport-shm',
  '@futures/transport-zmq',
  '@futures/transport-mpi',
  '@futures/cli',
  '@futures/dashboard',
] as const;
export type PackageName = (typeof PACKAGE_NAMES)[number];

/** The directory of each package in the checkout, read from packages/<dir>/package.json. */
export function packageDirs(): Record<PackageName, string> {
  const found: Partial<Record<string, string>> = {};
  const base = path.join(REPO_ROOT, 'packages');
  for (const entry of fs.readdirSync(base)) {
    const manifest = path.join(base, entry, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string };
    found[name] = path.join(base, entry);
  }
  const dirs = {} as Record<PackageName, string>;
  for (const name of PACKAGE_NAMES) {
    const dir = found[name];
    if (dir === undefined) throw new Error(`package ${name} not found under ${base}`);
    dirs[name] = dir;
  }
  return dirs;
}

export interface Packed {
  /** Directory holding the tarballs. */
  dir: string;
  /** Absolute path of each package's tarball. */
  tarballs: Record<PackageName, string>;
}

/**
 * `pnpm pack --pack-destination <dest>` of every package (pnpm rewrites `workspace:`
 * ranges to versions). The packages must be built (`pnpm build`; `pnpm test` does it first).
 */
export async function packAll(dest: string): Promise<Packed> {
  fs.mkdirSync(dest, { recursive: true });
  const dirs = packageDirs();
  const tarballs = {} as Record<PackageName, string>;
  for (const name of PACKAGE_NAMES) {
    const dir = dirs[name];
    if (!fs.existsSync(path.join(dir, 'dist'))) {
      throw new Error(`${name} has no dist/ in ${dir}: run \`pnpm build\` at the repository root first`);
    }
    const before = new Set(fs.readdirSync(dest));
    await runOk('pnpm', ['pack', '--pack-destination', dest], { cwd: dir, timeoutMs: 120_000 });
    const created = fs.readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
    if (created.length !== 1)
      throw new Error(`pnpm pack of ${name} created ${created.length} tarballs in ${dest}`);
    tarballs[name] = path.join(dest, created[0]!);
  }
  return { dir: dest, tarballs };
}

/** The package.json inside a tarball (tar is on every machine this runs on). */
export async function tarballManifest(tarball: string, scratch: string): Promise<Record<string, unknown>> {
  const out = path.join(scratch, path.basename(tarball, '.tgz'));
  fs.mkdirSync(out, { recursive: true });
  await runOk('tar', ['-xzf', tarball, '-C', out], { cwd: scratch });
  return JSON.parse(fs.readFileSync(path.join(out, 'package', 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}
