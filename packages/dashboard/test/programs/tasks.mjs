// Tasks for the dashboard's server tests (loaded by workers by reference).
export function echo(value) {
  return value;
}

export function add(a, b) {
  return a + b;
}

export function fail(message) {
  throw new TypeError(message);
}

/** Ends its worker: a worker thread's process.exit ends only that thread. */
export function die() {
  process.exit(3);
}
