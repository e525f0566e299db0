import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { futures } from './support/cli.js';

// `futures run --dashboard[=PORT]`: the program's executors serve the dashboard (found among
// the CLI's own dependencies), with no change to the program.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('futures run --dashboard', () => {
  it('turns the dashboard on: its URL is printed once, and the program ends by itself', async () => {
    const r = await futures(['run', '--dashboard', '-n', '2', 'sum-squares.mjs', '100']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^futures: dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(loopback only\)$/m);
    expect(r.stderr.match(/futures: dashboard at/g)).toHaveLength(1);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ n: 100, workers: 2 });
  });

  it('--dashboard=PORT serves on that port', async () => {
    const port = await freePort();
    const r = await futures(['run', `--dashboard=${port}`, 'sum-squares.mjs', '10']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`futures: dashboard at http://127.0.0.1:${port}/`);
  });

  it('refuses a port that is not a number, as a usage error', async () => {
    const r = await futures(['run', '--dashboard=eighty', 'sum-squares.mjs']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected a port number \(0 for a free one\), got "eighty"/);
  });

  it('without it, nothing is served', async () => {
    const r = await futures(['run', 'sum-squares.mjs', '10']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('dashboard');
  });
});
