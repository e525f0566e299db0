#!/usr/bin/env node
import { main } from './program.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`futures: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
