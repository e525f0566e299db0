// A task module with the mistake the recursion guard catches: it starts a pool at its top
// level. The main program never imports it; a worker imports it for `double` and must get
// PoolInTaskModuleError instead of starting a pool of its own.
import { PoolExecutor } from '../executor/pool-executor.js';

export function double(x: number): number {
  return 2 * x;
}

export const pool = new PoolExecutor({ maxWorkers: 1 });
