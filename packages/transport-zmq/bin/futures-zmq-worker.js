#!/usr/bin/env node
// `futures-zmq-worker --connect tcp://HOST:PORT --key-file FILE`: the same as `futures worker`.
import { workerCommand } from '../dist/cli.js';

workerCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
