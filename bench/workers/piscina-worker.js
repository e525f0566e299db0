// Worker side of the piscina rows.
import { move } from 'piscina';

export const noop = () => 0;
export const echo = (x) => x;
export const echoMove = (x) => move(x);

/** Balance workload: busy-spins (CPU) for `ms` milliseconds; returns `ms`. */
export const spin = (ms) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the task is CPU time, not a timer
  }
  return ms;
};
