import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InfoReport } from '../src/info.js';
import { CLI_DIR, futures } from './support/cli.js';

const versionOf = (dir: string): string =>
  (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;

describe('futures info', () => {
  it('prints versions and, for every known transport, whether it loads here', async () => {
    const r = await futures(['info']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toContain(`node       ${process.version}`);
    expect(out).toContain(`@futures/cli ${versionOf(CLI_DIR)}`);
    expect(out).toContain(`@futures/core ${versionOf(path.join(CLI_DIR, 'node_modules/@futures/core'))}`);
    expect(out).toMatch(/^ {2}shm +ok +@futures\/transport-shm \d+\.\d+\.\d+/m);
    for (const name of ['mpi', 'zmq']) {
      const m = out.match(new RegExp(`^  ${name} +(ok|unavailable|not installed|cannot load)`, 'm'));
      expect(m, `a line for ${name}`).not.toBeNull();
      // a transport that cannot be used here says why, with a fix on the lines below it
      if (m![1] !== 'ok') expect(out.slice(m!.index! + m![0].length)).toMatch(/^.*\n {6,}\S/);
    }
  });

  it('--json gives the same report as data', async () => {
    const r = await futures(['info', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InfoReport;
    expect(report.node).toBe(process.version);
    expect(report.transport).toEqual({ name: 'shm', source: 'the default' });
    expect(report.transports.map((t) => t.name)).toEqual(['shm', 'mpi', 'zmq']);
    const shm = report.transports.find((t) => t.name === 'shm')!;
    expect(shm.status).toBe('ok');
    expect(shm.package).toBe('@futures/transport-shm');
    for (const t of report.transports) if (t.status !== 'ok') expect(t.lines.length).toBeGreaterThan(0);
  });

  it('reports the configured transport and says how to install a missing one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-info-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'futures.config.json'),
        JSON.stringify({ transport: 'gpu', transports: { gpu: 'acme-futures-gpu' } }),
      );
      const r = await futures(['info', '--json'], { cwd: dir });
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as InfoReport;
      expect(report.config).toBe(path.join(dir, 'futures.config.json'));
      expect(report.transport?.name).toBe('gpu');
      const gpu = report.transports.find((t) => t.name === 'gpu')!;
      expect(gpu).toMatchObject({ package: 'acme-futures-gpu', status: 'missing' });
      expect(gpu.lines).toEqual([
        'install it: pnpm add acme-futures-gpu (or npm install acme-futures-gpu) in your application',
      ]);
      // shm still comes from the CLI's own dependencies
      expect(report.transports.find((t) => t.name === 'shm')!.status).toBe('ok');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('futures worker and futures keygen', () => {
  it('says clearly when the transport has no worker command (exit 2)', async () => {
    const r = await futures(['worker', '--transport=shm', '--connect', 'tcp://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^futures worker: transport "shm" \(from option --transport\) has no worker command/,
    );
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('futures keygen says the same for a transport without keys', async () => {
    const r = await futures(['keygen', '--transport=shm', '-o', 'x.key']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^futures keygen: transport "shm" \(from option --transport\) has no keygen command/,
    );
  });
});
