import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const docsDir = path.resolve(import.meta.dirname, '..');

/** Every ```js block of a page, with the heading it stands under. */
function examples(page: string): { title: string; code: string }[] {
  const text = fs.readFileSync(path.join(docsDir, page), 'utf8');
  const out: { title: string; code: string }[] = [];
  let heading = page;
  const re = /^(#{1,6} .*)$|^```js\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1]) heading = m[1].replace(/^#+ /, '');
    else
      out.push({
        title: `${heading} #${out.filter((e) => e.title.startsWith(heading)).length + 1}`,
        code: m[2]!,
      });
  }
  return out;
}

// Each example runs as its own ES module in a fresh node process from docs/, where
// @futures/core and the default transport resolve as they would in an application.
for (const page of fs.readdirSync(docsDir).filter((f) => f.endsWith('.md'))) {
  const blocks = examples(page);
  if (blocks.length === 0) continue;
  describe(page, () => {
    for (const { title, code } of blocks) {
      it(title, async () => {
        const file = path.join(docsDir, `.example-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
        fs.writeFileSync(file, code);
        try {
          const { stderr } = await run(process.execPath, [file], { cwd: docsDir, timeout: 100_000 });
          expect(stderr).toBe('');
        } finally {
          fs.rmSync(file, { force: true });
        }
      });
    }
  });
}
