// Worker side of the piscina rows.
import { move } from 'piscina';

export const noop = () => 0;
export const echo = (x) => x;
export const echoMove = (x) => move(x);
