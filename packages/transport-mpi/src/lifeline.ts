/**
 * How a process that lost a rank by heartbeat ends a job across hosts: at once when the
 * rank's host still answers (the rank died), else only once Open MPI had the time to notice
 * a cut link by its oob TCP keepalive (exiting earlier would hang mpiexec). See "Failures
 * across hosts" in docs/transport-mpi.md and native/host_doubts.h.
 */
import type { Environment } from './launcher-env.js';
import { HostDoubt, type NativeAddon } from './native.js';

/**
 * Seconds Open MPI takes at most to notice that a daemon's link failed, where the job set
 * its oob TCP keepalive (`mpiexec --mca oob_tcp_keepalive_time T --mca
 * oob_tcp_keepalive_intvl I --mca oob_tcp_keepalive_probes P`, passed to every process as
 * OMPI_MCA_* variables): T + I x P + 2. 0 when unset (Open MPI's default is 8 minutes).
 * The progress thread computes the same (native/peer_watch.cc).
 */
export function launcherLifelineSeconds(env: Readonly<Environment> = process.env): number {
  const num = (name: string): number => {
    const v = Number(env[`OMPI_MCA_oob_tcp_keepalive_${name}`]);
    return Number.isFinite(v) ? v : -1;
  };
  const [time, intvl, probes] = [num('time'), num('intvl'), num('probes')];
  return time > 0 && intvl > 0 && probes > 0 ? time + intvl * probes + 2 : 0;
}

/**
 * At exit, after a rank was lost by heartbeat: waits (blocking, at most `timeoutMs`; the
 * progress thread decides within 2 heartbeat intervals + 1.5 s of the loss) until it is
 * known whether the hosts of such ranks still answer. True when every one does: the ranks
 * died, and the job can end at once.
 */
export function lostHostsAnswer(native: NativeAddon, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let doubt = native.hostsInDoubt();
  while (doubt === HostDoubt.Pending && Date.now() < deadline) {
    Atomics.wait(nap, 0, 0, 50);
    doubt = native.hostsInDoubt();
  }
  return doubt === HostDoubt.None;
}

/**
 * After a rank was lost by heartbeat and its host gave no sign of life (it may be cut off),
 * at exit: give Open MPI the time its keepalive needs to declare the daemon lost and end the
 * job (it then kills this process). Exiting at once would make mpiexec write to the dead
 * link at once, and a socket with unacknowledged data sends no keepalives: mpiexec would
 * hang until TCP gives up (~15 minutes), leaving the remote daemon behind too.
 */
export function awaitLauncher(): void {
  const seconds = launcherLifelineSeconds();
  if (seconds <= 0) return;
  process.stderr.write(
    `futures(mpi): a rank was lost without a trace (another host, unreachable?); waiting up to ${seconds} s for mpiexec to end the job\n`,
  );
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}
