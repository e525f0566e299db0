// Tasks of the MPICH smoke job (loaded by the workers by reference).
import { getCommWorkers } from '../dist/index.js';

export const add = (a, b) => a + b;
export const echo = (x) => x;
export async function allreduceOne() {
  const v = new Float64Array([1]);
  await getCommWorkers().allreduce(v, 'sum');
  return v[0];
}
