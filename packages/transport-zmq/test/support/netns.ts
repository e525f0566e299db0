import { ip, ipMust as must, netnsUnavailable as probeNetns } from '@futures/core/conformance';

/** Why network namespaces cannot be used here, or null when they can (checked by making one). */
export function netnsUnavailable(): string | null {
  return probeNetns('fzprobe');
}

/**
 * Three namespaces made by the test: a controller's (ctl) and two workers' (a, b), each worker
 * linked to ctl by its own veth pair in its own private 10.x subnet. Nothing touches the
 * host's namespace.
 */
export class Cluster {
  readonly id = `fz${process.pid % 100000}`;
  readonly ctl = `${this.id}c`;
  readonly a = `${this.id}a`;
  readonly b = `${this.id}b`;
  /** The controller's address as seen from a / b. */
  readonly ctlFromA = '10.213.1.1';
  readonly ctlFromB = '10.213.2.1';
  /** The workers' link devices (inside a and b). */
  readonly linkA = `${this.id}-a`;
  readonly linkB = `${this.id}-b`;

  static create(): Cluster {
    const c = new Cluster();
    c.destroy(); // leftovers of an earlier, killed run with the same pid
    try {
      for (const ns of [c.ctl, c.a, c.b]) {
        must(['netns', 'add', ns]);
        must(['-n', ns, 'link', 'set', 'lo', 'up']);
      }
      c.#link(c.a, c.linkA, `${c.id}-ca`, '10.213.1');
      c.#link(c.b, c.linkB, `${c.id}-cb`, '10.213.2');
    } catch (error) {
      c.destroy();
      throw error;
    }
    return c;
  }

  #link(ns: string, dev: string, ctlDev: string, net: string): void {
    must(['link', 'add', ctlDev, 'netns', this.ctl, 'type', 'veth', 'peer', 'name', dev, 'netns', ns]);
    must(['-n', this.ctl, 'addr', 'add', `${net}.1/24`, 'dev', ctlDev]);
    must(['-n', ns, 'addr', 'add', `${net}.2/24`, 'dev', dev]);
    must(['-n', this.ctl, 'link', 'set', ctlDev, 'up']);
    must(['-n', ns, 'link', 'set', dev, 'up']);
  }

  /** Cuts a worker's link (as a pulled cable would). */
  cut(ns: string, dev: string): void {
    must(['-n', ns, 'link', 'set', dev, 'down']);
  }

  /** Restores both workers' links. */
  heal(): void {
    for (const [ns, dev] of [
      [this.a, this.linkA],
      [this.b, this.linkB],
    ] as const) {
      must(['-n', ns, 'link', 'set', dev, 'up']);
    }
  }

  /** The argv prefix that runs a command inside namespace `ns`. */
  exec(ns: string): string[] {
    return ['netns', 'exec', ns];
  }

  destroy(): void {
    for (const ns of [this.ctl, this.a, this.b]) ip(['netns', 'del', ns]);
  }
}
