import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('nothing in core imports a transport package (they are loaded by name at run time)', () => {
  const src = path.resolve(import.meta.dirname, '../src');
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (
        /\.ts$/.test(entry.name) &&
        /^\s*(import|export)\b[^;]*from\s+['"]@futures\/transport-|\bimport\(\s*['"]@futures\/transport-/m.test(
          fs.readFileSync(p, 'utf8'),
        )
      ) {
        offenders.push(p);
      }
    }
  };
  walk(src);
  expect(offenders).toEqual([]);
  const pkg = JSON.parse(fs.readFileSync(path.resolve(src, '../package.json'), 'utf8'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
  expect(deps.filter((d) => d.startsWith('@futures/transport-'))).toEqual([]);
});

it('src/index.ts only re-exports', () => {
  const text = fs
    .readFileSync(path.resolve(import.meta.dirname, '../src/index.ts'), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '');
  const statements = text
    .split(/;\s*\n/)
    .map((s) => s.replace(/\/\/.*$/gm, '').trim())
    .filter(Boolean);
  for (const s of statements) expect(s).toMatch(/^export (type )?(\{[\s\S]*\}|\*) from '/);
});
