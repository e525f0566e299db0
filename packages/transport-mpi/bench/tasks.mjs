// Worker side of the futures-mpi benchmark rows: tasks by reference.
export const noop = () => 0;
export const echo = (x) => x;
export const pid = () => process.pid;
