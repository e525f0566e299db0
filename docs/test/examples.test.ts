import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const docsDir = path.resolve(import.meta.dirname, '..');

interface Example {
  title: string;
  code: string;
  typescript: boolean;
}

/**
 * Every ```js and ```ts block of a page, with the heading it stands under. A block marked
 * ```ts fragment (or js fragment) is an excerpt that cannot run alone: it is left out.
 */
function examples(page: string): Example[] {
  const text = fs.readFileSync(path.join(docsDir, page), 'utf8');
  const out: Example[] = [];
  let heading = page;
  const re = /^(#{1,6} .*)$|^```(js|ts)( fragment)?\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1]) {
      heading = m[1].replace(/^#+ /, '');
      continue;
    }
    if (m[3]) continue;
    out.push({
      title: `${heading} #${out.filter((e) => e.title.startsWith(heading)).length + 1}`,
      code: m[4]!,
      typescript: m[2] === 'ts',
    });
  }
  return out;
}

const DASHBOARD_LINE = /^futures: dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(loopback only\)\n/m;

// Each example runs as its own ES module in a fresh node process from docs/, where
// @futures/core and the default transport resolve as they would in an application;
// TypeScript ones through tsx, as `node --import tsx app.ts` runs them.
for (const page of fs.readdirSync(docsDir).filter((f) => f.endsWith('.md'))) {
  const blocks = examples(page);
  if (blocks.length === 0) continue;
  describe(page, () => {
    for (const { title, code, typescript } of blocks) {
      it(title, async () => {
        const name = `.example-${process.pid}-${Math.random().toString(36).slice(2)}`;
        const file = path.join(docsDir, `${name}.${typescript ? 'mts' : 'mjs'}`);
        fs.writeFileSync(file, code);
        const args = typescript ? ['--import', 'tsx', file] : [file];
        try {
          const { stderr } = await run(process.execPath, args, { cwd: docsDir, timeout: 100_000 });
          // the one line the dashboard prints by design (its address); nothing else may appear
          expect(stderr.replace(DASHBOARD_LINE, '')).toBe('');
        } finally {
          fs.rmSync(file, { force: true });
        }
      });
    }
  });
}
