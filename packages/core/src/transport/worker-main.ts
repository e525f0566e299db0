/**
 * Runs the main function of a worker process's entry module and exits with the code it
 * resolves with. An error it throws is printed on stderr after `label` (e.g. "futures
 * worker 4242") with its stack, and the process exits with `failCode`. Exiting explicitly
 * matters: a worker whose link is closed may still hold handles (sockets, native threads)
 * that would keep it alive.
 */
export function runWorkerMain(label: string, main: () => Promise<number>, failCode = 1): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${label}: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(failCode);
    },
  );
}
