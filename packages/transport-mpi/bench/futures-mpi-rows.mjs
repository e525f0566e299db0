// futures-mpi rows: run as a singleton (spawn mode) or as rank 0 under
//   mpiexec -n 3 node ../dist/run.js futures-mpi-rows.mjs   (static mode)
// Prints one JSON object on stdout.
import { isStaticControllerMode, mpiPingPong } from './mpi-imports.mjs';
import { runWorkloads } from './workloads.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const mode = isStaticControllerMode() ? 'static' : 'spawn';
const rows = await runWorkloads({
  peer: `futures-mpi (${mode})`,
  transport: 'mpi', // by name, so FUTURES_* settings (e.g. FUTURES_MPI_BACKOFF) apply
  workers: Number(args.workers ?? 2),
  tasks: Number(args.tasks ?? 100_000),
  inFlight: Number(args['in-flight'] ?? 1024),
  sizes: (args.sizes ?? '1024,65536,1048576,16777216').split(',').map(Number),
  reps: Number(args.reps ?? 3),
  bandwidthBytes: Number(args['bandwidth-bytes'] ?? 256 << 20),
  maxEchoTasks: Number(args['max-echo-tasks'] ?? 20_000),
  log: (s) => console.error(s),
});
let pingpong = [];
if (args.pingpong !== 'no') {
  const sizes = (args.sizes ?? '1024,65536,1048576,16777216').split(',').map(Number);
  pingpong = await mpiPingPong(
    sizes.map((bytes) => ({
      bytes,
      iterations: Math.max(10, Math.min(5000, Math.round((256 << 20) / bytes))),
    })),
  );
  for (const p of pingpong) console.error(`raw MPI ping-pong ${p.bytes} ${Math.round(p.bandwidthMBps)} MB/s`);
}
console.log(JSON.stringify({ mode, rows, pingpong }));
