import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ip, ipMust as must, netnsUnavailable as probeNetns } from '@futures/core/conformance';
import { openMpiDefaults } from '../../src/provider.js';

// Two "hosts" on one machine for MPI across hosts: network namespaces A and B joined by a
// veth pair in a private /24 (the zmq netns test uses 10.213.x; this one 10.214.9.0/24).
// mpiexec runs in A; Open MPI's rsh agent is a script that starts the remote daemon in B,
// in its own pid and UTS namespaces too (hostname fmpi-b), so that B's ranks can neither see
// A's pids nor share its host name: to futures, B is another host, as on a real cluster.
// Nothing touches the machine's own namespace.

/** Why two MPI "hosts" cannot be made here, or null when they can (checked by making a namespace). */
export function netnsUnavailable(): string | null {
  const why = probeNetns('fmpiprobe');
  if (why !== null) return why;
  const u = spawnSync('unshare', ['--pid', '--uts', '--fork', '--mount-proc', 'true'], { encoding: 'utf8' });
  if (u.status !== 0) return `unshare --pid --uts failed: ${u.stderr ?? ''}${u.error ?? ''}`;
  return null;
}

export interface NsProcess {
  pid: number;
  comm: string;
  args: string;
}

export class MpiHosts {
  /** The oob keepalive the jobs get (seconds): fires 5-6 s after a link failed, after the test's 3 s heartbeat timeout. */
  static readonly KEEPALIVE = { time: 1, intvl: 1, probes: 4 };
  readonly id = `fmpi${process.pid % 100000}`;
  readonly a = `${this.id}A`;
  readonly b = `${this.id}B`;
  /** The veth ends (inside A and B). */
  readonly devA = `${this.id}a`;
  readonly devB = `${this.id}b`;
  readonly subnet = '10.214.9.0/24';
  readonly addrA = '10.214.9.1';
  readonly addrB = '10.214.9.2';
  readonly hostnameB = 'fmpi-b';
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fmpi-netns-'));
  readonly agent = path.join(this.dir, 'rsh-agent.sh');

  static create(): MpiHosts {
    const h = new MpiHosts();
    h.destroy(false); // leftovers of an earlier, killed run with the same pid
    try {
      for (const ns of [h.a, h.b]) {
        must(['netns', 'add', ns]);
        must(['-n', ns, 'link', 'set', 'lo', 'up']);
      }
      must(['link', 'add', h.devA, 'netns', h.a, 'type', 'veth', 'peer', 'name', h.devB, 'netns', h.b]);
      must(['-n', h.a, 'addr', 'add', `${h.addrA}/24`, 'dev', h.devA]);
      must(['-n', h.b, 'addr', 'add', `${h.addrB}/24`, 'dev', h.devB]);
      must(['-n', h.a, 'link', 'set', h.devA, 'up']);
      must(['-n', h.b, 'link', 'set', h.devB, 'up']);
      // Open MPI calls the agent as `AGENT HOST COMMAND...` (the command is one shell line).
      fs.writeFileSync(
        h.agent,
        [
          '#!/bin/sh',
          '# rsh agent for Open MPI: runs the remote daemon in the namespace of its host address',
          'host="$1"; shift',
          'case "$host" in',
          `  ${h.addrA}) exec ip netns exec ${h.a} /bin/sh -c "$*" ;;`,
          `  ${h.addrB}) exec ip netns exec ${h.b} unshare --pid --uts --fork --mount-proc /bin/sh -c 'hostname ${h.hostnameB}; exec /bin/sh -c "$0"' "$*" ;;`,
          '  *) echo "rsh-agent: unknown host $host" >&2; exit 1 ;;',
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    } catch (error) {
      h.destroy();
      throw error;
    }
    return h;
  }

  /**
   * The command line that runs `args` under mpiexec in A: rank 0 on A, two ranks on B, MPI
   * over TCP on the veth subnet. Open MPI's own link watch (oob TCP keepalive) is set as the
   * docs advise for jobs across hosts (probes x interval above the heartbeat timeout, all of
   * it within heartbeat timeout + 10 s), scaled down like the test's heartbeat timeout (3 s),
   * with the other options the CLI's launchCommand gives Open MPI (openMpiDefaults).
   */
  mpiexec(args: string[], keepalive = MpiHosts.KEEPALIVE): [string, string[]] {
    const given = [
      '--mca',
      'oob_tcp_keepalive_time',
      String(keepalive.time),
      '--mca',
      'oob_tcp_keepalive_intvl',
      String(keepalive.intvl),
      '--mca',
      'oob_tcp_keepalive_probes',
      String(keepalive.probes),
    ];
    return [
      'ip',
      [
        'netns',
        'exec',
        this.a,
        'mpiexec',
        '--mca',
        'plm_rsh_agent',
        this.agent,
        '--mca',
        'btl',
        'tcp,self',
        '--mca',
        'btl_tcp_if_include',
        this.subnet,
        '--mca',
        'oob_tcp_if_include',
        this.subnet,
        ...given,
        // what `futures run --transport=mpi -n N` adds besides (no job teardown on a killed rank)
        ...openMpiDefaults({}, given),
        '--host',
        `${this.addrA}:1,${this.addrB}:2`,
        '-n',
        '3',
        ...args,
      ],
    ];
  }

  /** The inode of a namespace's network namespace (what /proc/PID/ns/net names as net:[INODE]). */
  netnsInode(ns: string): number {
    return fs.statSync(`/run/netns/${ns}`).ino;
  }

  /** Processes in namespace `ns` (by network namespace, seen from this pid namespace). */
  processes(ns: string): NsProcess[] {
    const r = ip(['netns', 'pids', ns]);
    if (!r.ok) return [];
    const out: NsProcess[] = [];
    for (const s of r.out.split(/\s+/)) {
      if (!/^\d+$/.test(s)) continue;
      try {
        const comm = fs.readFileSync(`/proc/${s}/comm`, 'latin1').trim();
        const stat = fs.readFileSync(`/proc/${s}/stat`, 'latin1');
        if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
        const args = fs.readFileSync(`/proc/${s}/cmdline`, 'latin1').split('\0').join(' ').trim();
        out.push({ pid: Number(s), comm, args });
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }

  /** Both namespaces' processes. */
  leftovers(): NsProcess[] {
    return [...this.processes(this.a), ...this.processes(this.b)];
  }

  /** Cuts the link (as a pulled cable would): B's end goes down. */
  cut(): void {
    must(['-n', this.b, 'link', 'set', this.devB, 'down']);
  }

  heal(): void {
    must(['-n', this.b, 'link', 'set', this.devB, 'up']);
  }

  /** SIGKILLs whatever is left in both namespaces (cleanup after a failed test). */
  killAll(): void {
    for (const p of this.leftovers()) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    }
  }

  destroy(removeDir = true): void {
    this.killAll();
    for (const ns of [this.a, this.b]) ip(['netns', 'del', ns]);
    if (removeDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
