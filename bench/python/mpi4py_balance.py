"""mpi4py.futures row of the balance workload (bench/src/peers/mpi4py.ts drives it).

Static mode: rank 0 runs this script, the other ranks are the workers:

    PYTHONPATH=bench/python mpiexec -n 3 /usr/bin/python3 -m mpi4py.futures \
        bench/python/mpi4py_balance.py --warm-ms 0.1

Boots the pool and warms it with 4 x workers spin tasks of --warm-ms, then prints one JSON
line {"ready": true, "workers": N, "version": ...}. Then it serves requests from stdin, one
JSON line each: {"durations": [ms, ...], "style": "submit" | "map"}. "submit" submits every
task at once and keeps the futures (then waits for each); "map" iterates executor.map over
the durations (chunksize 1). The answer is one JSON line: {"ms": wall milliseconds from the
first submit to the last result, measured here, "sum": sum of the results}. EOF ends it.
"""
import argparse
import json
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor

from mpi4py_tasks import spin


def run(executor, durations, style):
    t0 = time.perf_counter()
    if style == "map":
        results = []
        for r in executor.map(spin, durations):
            results.append(r)
    else:
        futures = [executor.submit(spin, d) for d in durations]
        results = [f.result() for f in futures]
    ms = (time.perf_counter() - t0) * 1000
    return {"ms": ms, "sum": sum(results)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--warm-ms", type=float, default=0.1)
    a = p.parse_args()
    with MPIPoolExecutor() as executor:
        executor.bootup()
        workers = MPI.COMM_WORLD.Get_size() - 1  # static mode: every other rank is a worker
        for f in [executor.submit(spin, a.warm_ms) for _ in range(4 * workers)]:
            f.result()
        version = "mpi4py " + __import__("mpi4py").__version__
        mpi = MPI.Get_library_version().splitlines()[0]
        print(json.dumps({"ready": True, "workers": workers, "version": version, "mpi": mpi}), flush=True)
        for line in sys.stdin:
            if line.strip():
                req = json.loads(line)
                print(json.dumps(run(executor, req["durations"], req["style"])), flush=True)


if __name__ == "__main__":
    main()
