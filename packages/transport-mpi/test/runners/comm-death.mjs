// A comm executor (every rank of `mpiexec -n 3 node comm-death.mjs` calls commExecutor()
// together) whose task ends a serving rank with process.exit(3). Rank 0 prints how long
// until the pending future failed, and its error, as one JSON line.
import { task } from '@futures/core';
import { commExecutor } from '../../dist/index.js';
import { reportDeath } from './death-report.mjs';

const T = new URL('../fixtures/tasks.mjs', import.meta.url);
const executor = await commExecutor({ root: 0 });
if (executor !== null) {
  await executor.bootup();
  const hang = executor.submit(task(T, 'hang'));
  const t0 = performance.now();
  const dying = executor.submit(task(T, 'exitWith'), 3);
  await reportDeath(t0, dying, hang);
  process.exit(0);
}
