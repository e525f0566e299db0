// Runs every package's tests (one package at a time: a 2-core machine; all of them even
// when one fails), then prints one summary line, "N passed, N failed", from the JSON
// report vitest writes per package. A package whose tests ran no report counts as failed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const packages = [];
for (const dir of ['packages', 'examples']) {
  const base = path.join(root, dir);
  for (const name of fs.existsSync(base) ? fs.readdirSync(base) : []) packages.push(path.join(base, name));
}
packages.push(path.join(root, 'docs'), path.join(root, 'bench'), path.join(root, 'consumer'));
const tested = packages.filter((p) => {
  const manifest = path.join(p, 'package.json');
  return fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).scripts?.test;
});
const report = (p) => path.join(p, 'test-results.json');
for (const p of tested) fs.rmSync(report(p), { force: true });

const turbo = spawnSync(
  'pnpm',
  [
    'exec',
    'turbo',
    'run',
    'test',
    '--concurrency=1',
    '--continue',
    ...process.argv.slice(2),
    '--',
    '--reporter=default',
    '--reporter=json',
    '--outputFile.json=test-results.json',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const filtered = process.argv.slice(2).some((a) => a.startsWith('--filter'));
for (const p of tested) {
  if (!fs.existsSync(report(p))) {
    if (filtered) continue; // not selected by --filter
    console.error(`no test report from ${path.relative(root, p)}: its test run failed before reporting`);
    failed++;
    continue;
  }
  const json = JSON.parse(fs.readFileSync(report(p), 'utf8'));
  passed += json.numPassedTests ?? 0;
  failed += (json.numFailedTests ?? 0) + (json.success === false && !json.numFailedTests ? 1 : 0);
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(turbo.status === 0 && failed === 0 ? 0 : 1);
