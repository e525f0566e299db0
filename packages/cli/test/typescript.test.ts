import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { removeTempProjects, tempProject } from '@futures/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { futures } from './support/cli.js';

// tsx is an optional peer dependency of the CLI: a TypeScript program runs through the
// application's tsx (resolved from the program's directory, then the working directory),
// never through one the CLI happens to have. The projects live outside this repository so
// that nothing above them has tsx.

const TSX = fs.realpathSync(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')));

const APP = {
  'package.json': '{ "name": "app", "private": true, "type": "module" }\n',
  'app.ts': 'const n: number = 6 * 7;\nconsole.log(n);\n',
};
let withoutTsx: string;
let withTsx: string;
beforeAll(() => {
  withoutTsx = tempProject('futures-cli-ts-', APP);
  withTsx = tempProject('futures-cli-ts-', APP, { tsx: TSX });
});
afterAll(removeTempProjects);

describe('futures run: TypeScript programs and tsx', () => {
  it('without tsx in the application: exit 1 and one message naming the package to install', async () => {
    const r = await futures(['run', 'app.ts'], { cwd: withoutTsx });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('futures: the program app.ts is TypeScript, and tsx');
    expect(r.stderr).toMatch(/npm install tsx, or pnpm add tsx/);
    expect(r.stderr).toContain(withoutTsx);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('-c with --tsx says the same', async () => {
    const r = await futures(['run', '--tsx', '-c', 'console.log(1)'], { cwd: withoutTsx });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the code \(-c\) run with --tsx is TypeScript, and tsx.*npm install tsx/);
  });

  it("with tsx in the application, the program runs through the application's tsx", async () => {
    const r = await futures(['run', 'app.ts'], { cwd: withTsx });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('42\n');
  });

  it('a JavaScript program needs no tsx', async () => {
    fs.writeFileSync(path.join(withoutTsx, 'app.mjs'), 'console.log("js");\n');
    const r = await futures(['run', 'app.mjs'], { cwd: withoutTsx });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('js\n');
  });
});
