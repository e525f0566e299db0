// Makes dist/bin.js executable (tsc keeps its shebang but not the mode).
import * as fs from 'node:fs';

const bin = new URL('../dist/bin.js', import.meta.url);
fs.chmodSync(bin, 0o755);
