import type * as zmq from 'zeromq';

export type ZmqLib = typeof zmq;

let loading: Promise<ZmqLib> | null = null;

/**
 * Loads the `zeromq` package (a native addon) on first use, so that this package, its option
 * specs and `futures info` load even where the addon cannot.
 */
export function loadZmq(): Promise<ZmqLib> {
  loading ??= import('zeromq').catch((error: unknown) => {
    loading = null;
    throw new Error(
      `futures zmq: the zeromq package failed to load: ${(error as Error).message}. ` +
        'Fix: reinstall it (its prebuilt binaries cover Linux/macOS/Windows on x64 and arm64).',
      { cause: error },
    );
  });
  return loading;
}
