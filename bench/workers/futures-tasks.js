// Worker side of the futures rows: tasks by reference.
import { transfer } from '@futures/transport-shm';

export const noop = () => 0;
export const echo = (x) => x;
export const echoTransfer = (x) => transfer(x);
