// Runs every package's tests (one package at a time: a 2-core machine), then prints one
// summary line, "N passed, N failed", from the JSON reports vitest writes per package.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const reports = [];
for (const dir of ['packages', 'examples']) {
  for (const name of fs.existsSync(path.join(root, dir)) ? fs.readdirSync(path.join(root, dir)) : []) {
    reports.push(path.join(root, dir, name, 'test-results.json'));
  }
}
reports.push(path.join(root, 'docs', 'test-results.json'), path.join(root, 'bench', 'test-results.json'));
for (const r of reports) fs.rmSync(r, { force: true });

const turbo = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--concurrency=1', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const r of reports) {
  if (!fs.existsSync(r)) continue;
  const json = JSON.parse(fs.readFileSync(r, 'utf8'));
  passed += json.numPassedTests ?? 0;
  failed += json.numFailedTests ?? 0;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(turbo.status ?? 1);
