"""mpi4py.futures rows of the MPI benchmark: the same workloads as the futures rows.

Run in static mode (rank 0 runs this script, the other ranks are the workers):

    PYTHONPATH=bench/python mpiexec -n 3 /usr/bin/python3 -m mpi4py.futures \
        bench/python/mpi4py_futures_bench.py --tasks 20000 --sizes 1024,65536,1048576,16777216

Throughput: no-op tasks, one per message (submit, chunksize 1) with --in-flight outstanding.
Bandwidth: echo a numpy uint8 array of each size with 2 x workers in flight;
MB/s = 2 * size * tasks / seconds (1 MB = 10^6 B). Prints one JSON object on stdout.
"""
import argparse
import collections
import json
import sys
import time

import numpy as np
from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor

from mpi4py_tasks import echo, noop


def pipelined(executor, count, in_flight, fn, *args):
    pending = collections.deque()
    t0 = time.perf_counter()
    for _ in range(count):
        if len(pending) >= in_flight:
            pending.popleft().result()
        pending.append(executor.submit(fn, *args))
    while pending:
        pending.popleft().result()
    return time.perf_counter() - t0


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tasks", type=int, default=20000)
    p.add_argument("--in-flight", type=int, default=1024)
    p.add_argument("--sizes", default="1024,65536,1048576,16777216")
    p.add_argument("--bandwidth-bytes", type=int, default=256 << 20)
    p.add_argument("--max-echo-tasks", type=int, default=20000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--pkl5", action="store_true", help="use_pkl5=True (out-of-band pickle 5 buffers)")
    a = p.parse_args()
    out = {"peer": "mpi4py.futures" + (" (pkl5)" if a.pkl5 else ""), "version": "mpi4py " + __import__("mpi4py").__version__,
           "mpi": MPI.Get_library_version().splitlines()[0], "python": sys.version.split()[0], "results": []}
    with MPIPoolExecutor(use_pkl5=a.pkl5) if a.pkl5 else MPIPoolExecutor() as ex:
        ex.bootup()
        workers = MPI.COMM_WORLD.Get_size() - 1  # static mode: every other rank is a worker
        out["workers"] = workers
        pipelined(ex, min(2000, a.tasks), a.in_flight, noop)  # warm-up
        reps = [a.tasks / pipelined(ex, a.tasks, a.in_flight, noop) for _ in range(a.reps)]
        out["results"].append({"workload": "throughput", "workers": workers, "tasks": a.tasks, "inFlight": a.in_flight,
                               "value": median(reps), "reps": reps})
        print(f"mpi4py w={workers} throughput {median(reps):.0f} tasks/s", file=sys.stderr)
        for size in [int(s) for s in a.sizes.split(",") if s]:
            payload = np.zeros(size, dtype=np.uint8)
            payload[::4096] = 1
            tasks = max(8, min(a.max_echo_tasks, round(a.bandwidth_bytes / size)))
            in_flight = max(2, 2 * workers)
            pipelined(ex, max(2 * in_flight, min(tasks // 2, 200)), in_flight, echo, payload)  # warm-up
            reps = [2 * size * tasks / pipelined(ex, tasks, in_flight, echo, payload) / 1e6 for _ in range(a.reps)]
            out["results"].append({"workload": "bandwidth", "workers": workers, "size": size, "tasks": tasks,
                                   "inFlight": in_flight, "value": median(reps), "reps": reps})
            print(f"mpi4py w={workers} echo {size} {median(reps):.0f} MB/s", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
