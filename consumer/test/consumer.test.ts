// Issue 12 acceptance: the packages as a user gets them. Packs every package, installs the
// tarballs with npm and with pnpm into fresh projects under os.tmpdir(), and there runs an
// ESM program on shm, zmq and mpi, a CommonJS program, the CLI, and type checks of a
// TypeScript program with TypeScript 5.9 and 7; attw and publint check every tarball.
// CONSUMER_TEST_KEEP=1 keeps the temporary directory (its path is printed).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandResult, describeResult, run } from '../src/exec.js';
import { PACKAGE_NAMES, type Packed, packAll, tarballManifest } from '../src/packages.js';
import {
  createNpmProject,
  createPnpmProject,
  installPackageTools,
  type PackageManager,
  type Project,
  resolvedPackageRoot,
  TS_VARIANTS,
} from '../src/project.js';

/** What every program run gets: MPI may run as root and oversubscribe the 2 cores. */
const RUNTIME_ENV = {
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_rmaps_base_oversubscribe: '1',
};
const PROGRAM_TIMEOUT_MS = 180_000;
const REPO = path.resolve(import.meta.dirname, '..', '..');

let root = '';
let packed: Packed | undefined;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-consumer-'));
  packed = await packAll(path.join(root, 'tarballs'));
}, 300_000);

afterAll(() => {
  if (root === '') return;
  if (process.env.CONSUMER_TEST_KEEP === '1') console.log(`consumer test: kept ${root}`);
  else fs.rmSync(root, { recursive: true, force: true });
});

function tarballs(): Packed {
  if (packed === undefined) throw new Error('packing failed (see the first error)');
  return packed;
}

/** Asserts exit 0 (and no timeout); the failure message is the command and its output's tail. */
function expectSuccess(r: CommandResult): void {
  if (r.timedOut || r.code !== 0) throw new Error(`expected exit code 0:\n${describeResult(r)}`);
}

/** The last line of stdout that parses as a JSON object. */
function lastJson(r: CommandResult): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // not this line
    }
  }
  throw new Error(`no JSON line in the output of:\n${describeResult(r)}`);
}

/**
 * The first ```js block of a package's README (the one a user copies first), and what it
 * prints: the comment after its last console.log, e.g. `console.log(x); // 5 [ 1, 4 ]`.
 */
function readmeExample(name: string): { code: string; prints: string } {
  const readme = path.join(REPO, 'packages', name.replace('@futures/', ''), 'README.md');
  const code = /^```js\n([\s\S]*?)^```$/m.exec(fs.readFileSync(readme, 'utf8'))?.[1];
  if (code === undefined) throw new Error(`${readme} has no js example`);
  const prints = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]!.trim());
  if (prints.length === 0)
    throw new Error(`${readme}: its example's console.log has no comment saying what it prints`);
  return { code, prints: prints.join('\n') };
}

describe('tarballs', () => {
  it('no workspace: range is left in any packed package.json', async () => {
    const scratch = path.join(root, 'manifests');
    const offenders: string[] = [];
    for (const name of PACKAGE_NAMES) {
      const manifest = await tarballManifest(tarballs().tarballs[name], scratch);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        const deps = (manifest[field] ?? {}) as Record<string, string>;
        for (const [dep, range] of Object.entries(deps)) {
          if (range.startsWith('workspace:')) offenders.push(`${name} ${field}.${dep}: ${range}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

function projectSuite(pm: PackageManager): void {
  describe(`installed with ${pm}`, () => {
    let project: Project | undefined;
    const dir = (): string => {
      if (project === undefined) throw new Error(`the ${pm} install failed (see the first error)`);
      return project.dir;
    };
    const node = (args: string[], env: Record<string, string | undefined> = {}): Promise<CommandResult> =>
      run('node', args, { cwd: dir(), env: { ...RUNTIME_ENV, ...env }, timeoutMs: PROGRAM_TIMEOUT_MS });

    beforeAll(async () => {
      const target = path.join(root, `${pm}-project`);
      project =
        pm === 'npm'
          ? await createNpmProject(target, tarballs())
          : await createPnpmProject(target, tarballs());
    }, 900_000);

    it('every package uses the one installed copy of @futures/core', () => {
      const core = resolvedPackageRoot(dir(), '@futures/core');
      expect(core, 'the project resolves @futures/core').not.toBeNull();
      const copies: Record<string, string | null> = {};
      for (const name of PACKAGE_NAMES.filter((n) => n !== '@futures/core')) {
        const pkgRoot = resolvedPackageRoot(dir(), name);
        expect(pkgRoot, `${name} is installed`).not.toBeNull();
        copies[name] = resolvedPackageRoot(pkgRoot!, '@futures/core');
      }
      expect(copies).toEqual(Object.fromEntries(Object.keys(copies).map((n) => [n, core])));
    });

    it('the MPI addon was built at install', () => {
      const mpiRoot = resolvedPackageRoot(dir(), '@futures/transport-mpi');
      expect(mpiRoot, '@futures/transport-mpi is installed').not.toBeNull();
      const addon = path.join(mpiRoot!, 'build', 'Release', 'futures_mpi.node');
      if (!fs.existsSync(addon)) {
        const lines = project!.installLog.split('\n').filter((l) => /transport-mpi|gyp|mpi/i.test(l));
        throw new Error(`${addon} is missing; the install's lines about it:\n${lines.slice(-40).join('\n')}`);
      }
    });

    for (const transport of ['shm', 'zmq', 'mpi'] as const) {
      it(`ESM program (tasks in tasks.mjs) on ${transport}`, async () => {
        const r = await node(['app.mjs'], { FUTURES_TRANSPORT: transport, FUTURES_MAX_WORKERS: '2' });
        expectSuccess(r);
        expect(lastJson(r)).toMatchObject({ transport, workers: 2, sums: [3, 42] });
      });
    }

    for (const name of PACKAGE_NAMES) {
      it(`the README example of ${name} runs and prints what its comment says`, async () => {
        const example = readmeExample(name);
        fs.writeFileSync(path.join(dir(), 'readme-example.mjs'), example.code);
        const r = await node(['readme-example.mjs']);
        expectSuccess(r);
        // the dashboard says its address on stderr (one line); nothing else may appear there
        const stderr =
          name === '@futures/dashboard'
            ? r.stderr.replace(/^futures: dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(loopback only\)\n/, '')
            : r.stderr;
        expect(stderr, describeResult(r)).toBe('');
        expect(r.stdout.trim()).toBe(example.prints);
      });
    }

    it('the dashboard serves its page, script and ECharts from the installed package', async () => {
      const r = await node(['dashboard.mjs']);
      expectSuccess(r);
      const ok = { status: 200, bytes: 'many' };
      expect(lastJson(r)).toEqual({ '/': ok, 'assets/app.js': ok, 'assets/echarts.min.js': ok });
    });

    it('CommonJS program (require) on shm', async () => {
      const r = await node(['app.cjs']);
      expectSuccess(r);
      expect(lastJson(r)).toEqual({ a: 49, b: 42, c: 81, transport: 'shm' });
    });

    it('every public entry point imports at run time', async () => {
      const r = await node(['entries.mjs']);
      expectSuccess(r);
      expect(lastJson(r)).toEqual({ checked: 9, problems: [] });
    });

    it('futures info exits 0 and finds the three transports', async () => {
      const r = await run(path.join(dir(), 'node_modules', '.bin', 'futures'), ['info'], {
        cwd: dir(),
        env: RUNTIME_ENV,
        timeoutMs: PROGRAM_TIMEOUT_MS,
      });
      expectSuccess(r);
      for (const transport of ['shm', 'zmq', 'mpi']) {
        expect(r.stdout, describeResult(r)).toMatch(new RegExp(`^\\s+${transport}\\s+ok\\b`, 'm'));
      }
    });

    it('futures run -n 2 app.mjs', async () => {
      const r = await run(
        path.join(dir(), 'node_modules', '.bin', 'futures'),
        ['run', '-n', '2', 'app.mjs'],
        {
          cwd: dir(),
          env: RUNTIME_ENV,
          timeoutMs: PROGRAM_TIMEOUT_MS,
        },
      );
      expectSuccess(r);
      expect(lastJson(r)).toMatchObject({ transport: 'shm', workers: 2 });
    });

    for (const ts of ['ts59', 'ts7'] as const) {
      const compiler = ts === 'ts59' ? 'TypeScript 5.9.3' : 'TypeScript 7.0.2';
      for (const variant of TS_VARIANTS) {
        const label = `${variant.module}/${variant.moduleResolution}, types ${JSON.stringify(variant.types)}`;
        const tsc = (config: string): Promise<CommandResult> =>
          run('node', [path.join(dir(), 'node_modules', ts, 'bin', 'tsc'), '-p', `typed/${config}`], {
            cwd: dir(),
            timeoutMs: PROGRAM_TIMEOUT_MS,
          });
        it(`${compiler} type-checks the program (${label})`, async () => {
          expectSuccess(await tsc(`tsconfig.${variant.name}.json`));
        });
        it(`${compiler} type-checks \`await using\` on an executor (${label})`, async () => {
          expectSuccess(await tsc(`tsconfig.${variant.name}.dispose.json`));
        });
      }
    }

    it('TypeScript program runs with tsx (typed tasks in tasks.ts, `await using`)', async () => {
      const tsx = path.join(dir(), 'node_modules', '.bin', 'tsx');
      const main = await run(tsx, ['typed/main.ts'], {
        cwd: dir(),
        env: RUNTIME_ENV,
        timeoutMs: PROGRAM_TIMEOUT_MS,
      });
      expectSuccess(main);
      const dispose = await run(tsx, ['typed/dispose.ts'], {
        cwd: dir(),
        env: RUNTIME_ENV,
        timeoutMs: PROGRAM_TIMEOUT_MS,
      });
      expectSuccess(dispose);
      expect(dispose.stdout).toContain('sum 3');
    });
  });
}

// One project per package manager, installed one after the other (2-core machines).
projectSuite('npm');
projectSuite('pnpm');

describe('package checks', () => {
  let tools: { attw: string; publint: string } | undefined;
  beforeAll(async () => {
    tools = await installPackageTools(path.join(root, 'tools'));
  }, 600_000);
  const tool = (name: 'attw' | 'publint'): string => {
    if (tools === undefined) throw new Error('installing attw and publint failed (see the first error)');
    return tools[name];
  };

  for (const name of PACKAGE_NAMES) {
    it(`attw --profile esm-only: ${name}`, async () => {
      const r = await run(
        tool('attw'),
        [tarballs().tarballs[name], '--profile', 'esm-only', '--format', 'ascii'],
        {
          cwd: root,
          timeoutMs: 180_000,
        },
      );
      expectSuccess(r);
    });

    it(`publint: ${name}`, async () => {
      const r = await run(tool('publint'), ['run', tarballs().tarballs[name]], {
        cwd: root,
        timeoutMs: 180_000,
      });
      expectSuccess(r);
    });
  }
});
