// Regenerates the help blocks of docs/cli.md from the real `futures ... --help` output.
//   node scripts/gen-docs.mjs          rewrite docs/cli.md
//   node scripts/gen-docs.mjs --check  exit 1 when docs/cli.md differs from the real help
//   --file PATH                        another page instead of docs/cli.md (tests)
// A block is the text between `<!-- futures-help: CMD -->` and `<!-- /futures-help -->`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const at = process.argv.indexOf('--file');
const doc = at > 0 ? process.argv[at + 1] : fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const BLOCK = /(<!-- futures-help:([^>]*?)-->\n)[\s\S]*?(<!-- \/futures-help -->)/g;

function help(command) {
  const args = command.trim() === '' ? [] : command.trim().split(/\s+/);
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  // stdout is a pipe here, so the help is wrapped at 80 columns whatever the terminal
  return execFileSync(process.execPath, [bin, ...args, '--help'], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function render(text) {
  return text.replace(
    BLOCK,
    (_all, open, command, close) => `${open}\`\`\`text\n${help(command).trimEnd()}\n\`\`\`\n${close}`,
  );
}

const current = fs.readFileSync(doc, 'utf8');
const next = render(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write(
      'docs/cli.md differs from the real --help output: run `pnpm --filter @futures/cli docs:gen`\n',
    );
    process.exit(1);
  }
} else if (next !== current) {
  fs.writeFileSync(doc, next);
  process.stdout.write('docs/cli.md updated\n');
} else {
  process.stdout.write('docs/cli.md is up to date\n');
}
