import { describe, expect, it } from 'vitest';
import { ARGV_DASH_C_IMPORT, inheritableExecArgv, programFromString } from '../src/transport/exec-argv.js';

describe('inheritableExecArgv', () => {
  it('drops how a program from a string was started, keeps the rest in order', () => {
    const argv = [
      '--import',
      'tsx',
      '--import',
      ARGV_DASH_C_IMPORT,
      '--input-type=module',
      '--eval',
      'code',
      '--max-old-space-size=512',
      '-p',
      'x',
      `--import=${ARGV_DASH_C_IMPORT}`,
      '--enable-source-maps',
    ];
    expect(programFromString(argv)).toBe(true);
    expect(inheritableExecArgv(false, argv)).toEqual([
      '--import',
      'tsx',
      '--max-old-space-size=512',
      '--enable-source-maps',
    ]);
  });

  it('drops the inspector for processes only', () => {
    const argv = ['--inspect-brk=9230', '--inspect-port', '9331', '--no-warnings', '--eval=x'];
    expect(inheritableExecArgv(true, argv)).toEqual(['--no-warnings']);
    expect(inheritableExecArgv(false, argv)).toEqual([
      '--inspect-brk=9230',
      '--inspect-port',
      '9331',
      '--no-warnings',
    ]);
  });

  it('leaves a script program as it is', () => {
    const argv = ['--require', './setup.cjs', '--trace-warnings'];
    expect(programFromString(argv)).toBe(false);
    expect(inheritableExecArgv(true, argv)).toEqual(argv);
  });
});
