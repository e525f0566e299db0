// The no-op task of overhead.mjs (by reference, as the bench runs it).
export const noop = () => 0;
