// Fresh consumer projects under os.tmpdir(): the tarballs installed with npm or pnpm, as a
// user would, plus the tools the checks run (two TypeScript versions, @types/node, tsx).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandError, REPO_ROOT, type RunOptions, run, runOk } from './exec.js';
import { PACKAGE_NAMES, type PackageName, type Packed } from './packages.js';

export type PackageManager = 'npm' | 'pnpm';

/** Exact versions of the tools installed next to the tarballs (aliases: both tsc side by side). */
export const TOOL_DEPENDENCIES = {
  ts59: 'npm:typescript@5.9.3',
  ts7: 'npm:typescript@7.0.2',
  '@types/node': '20.19.43',
  tsx: '4.23.15',
} as const;

/** Where the programs the checks run live (copied into every project). */
export const FIXTURES = path.join(REPO_ROOT, 'consumer', 'fixtures', 'app');

export interface Project {
  pm: PackageManager;
  dir: string;
  /** What the install printed (also in install.log in the project; a later failure's context). */
  installLog: string;
}

/** The TypeScript configurations the typed program must pass, each with both compilers. */
export const TS_VARIANTS = [
  { name: 'nodenext.node', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] },
  { name: 'nodenext.none', module: 'nodenext', moduleResolution: 'nodenext', types: [] },
  { name: 'bundler.node', module: 'preserve', moduleResolution: 'bundler', types: ['node'] },
  { name: 'bundler.none', module: 'preserve', moduleResolution: 'bundler', types: [] },
] as const;
export type TsVariant = (typeof TS_VARIANTS)[number];

/** Environment for installs: node-gyp uses the local Node headers (nothing else can be downloaded). */
const INSTALL_ENV = { npm_config_nodedir: '/usr' };

export function assertOutsideRepo(dir: string): void {
  const rel = path.relative(REPO_ROOT, fs.realpathSync(dir));
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    throw new Error(`${dir} is inside the repository ${REPO_ROOT}: the projects must not see the workspace`);
  }
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function writeTsconfigs(dir: string): void {
  for (const v of TS_VARIANTS) {
    // The program with TypeScript's default lib for its target (a Node 20 program: es2022):
    // the packages' typings must not need more than that.
    writeJson(path.join(dir, 'typed', `tsconfig.${v.name}.json`), {
      compilerOptions: {
        target: 'es2022',
        module: v.module,
        moduleResolution: v.moduleResolution,
        types: [...v.types],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: ['main.ts', 'tasks.ts'],
    });
    // `await using`: Node 20 has no such syntax, so a Node 20 program compiles it down
    // (target es2022) and takes its types from lib esnext.disposable, as the TypeScript 5.2
    // release notes advise.
    writeJson(path.join(dir, 'typed', `tsconfig.${v.name}.dispose.json`), {
      extends: `./tsconfig.${v.name}.json`,
      compilerOptions: { lib: ['es2022', 'esnext.disposable', 'dom'] },
      files: ['dispose.ts'],
    });
  }
}

/** A new empty project directory with the fixture programs and tsconfigs in it. */
function scaffold(dir: string, pm: PackageManager): void {
  fs.mkdirSync(dir, { recursive: true });
  assertOutsideRepo(dir);
  fs.cpSync(FIXTURES, dir, { recursive: true });
  writeTsconfigs(dir);
  writeJson(path.join(dir, 'package.json'), {
    name: `futures-consumer-${pm}`,
    version: '1.0.0',
    private: true,
    type: 'module',
  });
}

/** Runs an install that must succeed; keeps what it printed in <project>/install.log. */
async function runInstall(file: string, args: string[], options: RunOptions): Promise<string> {
  const r = await run(file, args, options);
  const log = `$ ${r.command}\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  fs.writeFileSync(path.join(options.cwd, 'install.log'), log);
  if (r.code !== 0 || r.timedOut) throw new CommandError(r);
  return log;
}

function tarballSpecs(packed: Packed): Record<PackageName, string> {
  const specs = {} as Record<PackageName, string>;
  for (const name of PACKAGE_NAMES) specs[name] = `file:${packed.tarballs[name]}`;
  return specs;
}

/**
 * npm: `npm install <every tarball> <tools>` in a fresh project. A tarball's dependency on
 * a sibling resolves to the sibling tarball installed beside it (none is on the registry).
 */
export async function createNpmProject(dir: string, packed: Packed): Promise<Project> {
  scaffold(dir, 'npm');
  const tools = Object.entries(TOOL_DEPENDENCIES).map(([name, spec]) => `${name}@${spec}`);
  const r = await runInstall(
    'npm',
    [
      'install',
      '--save-exact',
      '--no-audit',
      '--no-fund',
      '--foreground-scripts',
      ...PACKAGE_NAMES.map((n) => packed.tarballs[n]),
      ...tools,
    ],
    { cwd: dir, env: INSTALL_ENV, timeoutMs: 600_000 },
  );
  return { pm: 'npm', dir, installLog: r };
}

/**
 * pnpm: the tarballs as file: dependencies, `pnpm.overrides` mapping every @futures/* name
 * to its tarball (so a tarball's dependency on a sibling never goes to the registry), and
 * the MPI addon's install script allowed (pnpm runs no other's without approval).
 */
export async function createPnpmProject(dir: string, packed: Packed): Promise<Project> {
  scaffold(dir, 'pnpm');
  const specs = tarballSpecs(packed);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  writeJson(path.join(dir, 'package.json'), {
    ...manifest,
    dependencies: specs,
    devDependencies: { ...TOOL_DEPENDENCIES },
    pnpm: {
      overrides: specs,
      // The bare name is what a user of the registry writes. pnpm 10 matches a package
      // installed from a tarball by `name@file:<path relative to the project>` only (the bare
      // name leaves its install script ignored), so the tarball's spec is listed too.
      onlyBuiltDependencies: [
        '@futures/transport-mpi',
        `@futures/transport-mpi@file:${path.relative(dir, packed.tarballs['@futures/transport-mpi'])}`,
      ],
    },
  });
  const r = await runInstall('pnpm', ['install', '--no-frozen-lockfile', '--reporter=append-only'], {
    cwd: dir,
    env: INSTALL_ENV,
    timeoutMs: 600_000,
  });
  return { pm: 'pnpm', dir, installLog: r };
}

/** attw and publint at the versions the checks pin, installed once (faster than npx per call). */
export async function installPackageTools(dir: string): Promise<{ attw: string; publint: string }> {
  fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'package.json'), { name: 'futures-consumer-tools', private: true });
  await runOk(
    'npm',
    ['install', '--save-exact', '--no-audit', '--no-fund', '@arethetypeswrong/cli@0.18.5', 'publint@0.3.25'],
    { cwd: dir, timeoutMs: 300_000 },
  );
  return {
    attw: path.join(dir, 'node_modules', '.bin', 'attw'),
    publint: path.join(dir, 'node_modules', '.bin', 'publint'),
  };
}

/** The real path of `spec` as resolved from the package directory `fromDir` (Node's rules). */
export function resolvedPackageRoot(fromDir: string, spec: string): string | null {
  let dir = fs.realpathSync(fromDir);
  for (;;) {
    const candidate = path.join(dir, 'node_modules', ...spec.split('/'));
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
