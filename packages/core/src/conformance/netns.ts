import { spawnSync } from 'node:child_process';

// Test support for transports' tests that build "hosts" out of Linux network namespaces
// (`ip netns`): a failed link, a host out of reach, without touching the machine's own
// namespace.

/** Runs `ip ARGS`: whether it succeeded, and what it printed (stdout, stderr, spawn error). */
export function ip(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Runs `ip ARGS`, and throws (with what it printed) if it fails. */
export function ipMust(args: readonly string[]): void {
  const r = ip(args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')} failed: ${r.out}`);
}

/**
 * Why network namespaces cannot be used here, or null when they can: checked by making one
 * (named `probe` and this process's pid) and deleting it.
 */
export function netnsUnavailable(probe: string): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux-only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  const name = `${probe}${process.pid % 100000}`;
  const r = ip(['netns', 'add', name]);
  if (!r.ok) return `ip netns add failed: ${r.out.trim()}`;
  ip(['netns', 'del', name]);
  return null;
}
