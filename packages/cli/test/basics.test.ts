import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitProgramTail } from '../src/program.js';
import { BIN, CLI_DIR, futures } from './support/cli.js';

const version = (JSON.parse(fs.readFileSync(`${CLI_DIR}/package.json`, 'utf8')) as { version: string })
  .version;

describe('futures --help and --version', () => {
  it('the binary is an executable script with a node shebang', () => {
    expect(fs.readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
  });

  it.each([[[]], [['run']], [['worker']], [['keygen']], [['info']]])(
    'futures %j --help prints usage and exits 0',
    async (cmd) => {
      const r = await futures([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Usage: futures${cmd.length ? ` ${cmd[0]}` : ''} `));
      if (cmd[0] === 'run') {
        for (const flag of ['--transport', '--workers', '--progress', '--config', '--module', '--code']) {
          expect(r.stdout).toContain(flag);
        }
      }
    },
  );

  it.each([[[]], [['run']], [['worker']], [['keygen']], [['info']]])(
    'futures %j --version prints the version',
    async (cmd) => {
      const r = await futures([...cmd, '--version']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    },
  );

  it('help <command> works as --help', async () => {
    const a = await futures(['help', 'run']);
    const b = await futures(['run', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('usage errors exit 2 with one line on stderr', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /^futures: missing command/],
    ['unknown command', ['frobnicate'], /^futures: unknown command 'frobnicate'/],
    ['unknown option', ['run', '--bogus', 'x.js'], /^futures run: unknown option '--bogus'/],
    ['-n not a number', ['run', '-n', 'two', 'x.js'], /^futures run: .*-n, --workers.*"two"/],
    ['-n zero', ['run', '-n', '0', 'x.js'], /^futures run: .*whole number >= 1/],
    ['bad transport name', ['run', '--transport', 'Not A Name', 'x.js'], /^futures run: .*transport name/],
    ['missing program', ['run'], /^futures run: missing the program to run/],
    [
      'missing script file',
      ['run', 'no-such-file.js'],
      /^futures run: cannot find the script no-such-file\.js/,
    ],
    [
      'missing config file',
      ['run', '--config', 'nope.json', 'env.mjs'],
      /^futures run: --config: cannot find nope\.json/,
    ],
    ['bad -o', ['run', '-o', 'noequals', 'env.mjs'], /^futures run: option -o expects name=value/],
    ['unknown info option', ['info', '--frob'], /^futures info: unknown option '--frob'/],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    const r = await futures(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an unknown transport given with --transport is an error naming the fix', async () => {
    const r = await futures(['run', '--transport', 'nosuch', 'env.mjs']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('@futures/transport-nosuch');
    expect(r.stderr).toMatch(/Fix: install it/);
  });
});

describe('splitProgramTail', () => {
  it('gives everything after -m/-c to the program', () => {
    expect(splitProgramTail(['run', '-n', '2', '-m', 'pkg', '--x', '-n', '3'])).toEqual({
      head: ['run', '-n', '2', '-m', 'pkg'],
      tail: ['--x', '-n', '3'],
    });
    expect(splitProgramTail(['run', '--code=1', '--help'])).toEqual({
      head: ['run', '--code=1'],
      tail: ['--help'],
    });
    expect(splitProgramTail(['run', '-cfoo', 'a'])).toEqual({ head: ['run', '-cfoo'], tail: ['a'] });
  });

  it('leaves scripts and other commands to the parser', () => {
    expect(splitProgramTail(['run', '--transport', 'shm', 'app.js', '-m', 'x'])).toEqual({
      head: ['run', '--transport', 'shm', 'app.js', '-m', 'x'],
      tail: [],
    });
    expect(splitProgramTail(['worker', '-c', 'x'])).toEqual({ head: ['worker', '-c', 'x'], tail: [] });
  });
});
