// Worker side of the tinypool row.
export const noop = () => 0;
export const echo = (x) => x;
