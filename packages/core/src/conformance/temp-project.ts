import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/** Removes every directory `tempProject` made (for an `afterAll`). */
export function removeTempProjects(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Test support: a throwaway application directory outside any repository (under the OS temp
 * directory, so nothing above it resolves the workspace's packages), with `files` written
 * (relative paths) and `links` as its node_modules entries (package name → directory to link).
 * Returns its real path; `removeTempProjects()` removes every one made so far.
 */
export function tempProject(
  prefix: string,
  files: Readonly<Record<string, string>>,
  links: Readonly<Record<string, string>> = {},
): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  for (const [pkg, target] of Object.entries(links)) {
    const at = path.join(dir, 'node_modules', pkg);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(target, at, 'dir');
  }
  return dir;
}
