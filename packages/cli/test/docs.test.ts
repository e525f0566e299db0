import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, cleanEnv } from './support/cli.js';

const script = path.join(CLI_DIR, 'scripts', 'gen-docs.mjs');
const page = path.join(CLI_DIR, '..', '..', 'docs', 'cli.md');

function check(file: string): number | null {
  return spawnSync(process.execPath, [script, '--check', '--file', file], {
    env: cleanEnv(),
    stdio: 'ignore',
  }).status;
}

describe('docs/cli.md', () => {
  it('has every help block exactly as the real --help prints it', () => {
    expect(check(page)).toBe(0);
    const text = fs.readFileSync(page, 'utf8');
    for (const cmd of ['', 'run', 'worker', 'keygen', 'info'])
      expect(text).toContain(`<!-- futures-help: ${cmd}${cmd ? ' ' : ''}-->`);
  });

  it('the check fails when a help block is out of date, and the generator repairs it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-docs-'));
    try {
      const copy = path.join(dir, 'cli.md');
      fs.writeFileSync(copy, fs.readFileSync(page, 'utf8').replace('show live progress', 'show no progress'));
      expect(check(copy)).toBe(1);
      execFileSync(process.execPath, [script, '--file', copy], { env: cleanEnv(), stdio: 'ignore' });
      expect(fs.readFileSync(copy, 'utf8')).toBe(fs.readFileSync(page, 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
