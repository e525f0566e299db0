import * as fs from 'node:fs';

/**
 * True while a process with this pid runs. A zombie (ended, not yet reaped: on machines whose
 * pid 1 does not reap orphans it stays one) counts as ended, since the test asks whether the
 * process still does anything, not whether its table entry is gone.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (still alive).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    // Ended between the two calls, or a system without /proc (then signal 0 has the last word).
    return !fs.existsSync('/proc/self/stat');
  }
  // The state follows the command name, which is in parentheses and may itself hold ") ".
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/**
 * Polls `check` until it returns an empty list, or `ms` passed; resolves with what is left then
 * (an empty list when all went). Processes end asynchronously after their last message: this
 * waits for the OS, bounded, instead of sleeping a fixed time.
 */
export async function untilGone(check: () => number[], ms = 15_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = check();
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once none of `pids` is alive; rejects naming the survivors after `ms`. */
export async function allGone(pids: readonly number[], ms = 15_000): Promise<void> {
  const left = await untilGone(() => pids.filter(alive), ms);
  if (left.length > 0) throw new Error(`processes still running after ${ms} ms: ${left.join(', ')}`);
}
