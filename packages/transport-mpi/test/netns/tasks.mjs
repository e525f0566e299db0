// Tasks for the runs across network namespaces (loaded by the workers by reference).
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Where this task ran: host name, network namespace (net:[INODE]), pid. */
export function where() {
  return { host: os.hostname(), netns: fs.readlinkSync('/proc/self/ns/net'), pid: process.pid };
}

export function echo(value) {
  return value;
}

/** Never settles on its own: holds a worker until the executor breaks or the rank dies. */
export function hang() {
  return new Promise(() => {});
}
