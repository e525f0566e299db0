"""Task functions for the mpi4py.futures benchmark rows (imported by the worker ranks)."""
import time


def noop():
    return 0


def echo(x):
    return x


def spin(ms):
    """Balance workload: busy-spins (CPU) for `ms` milliseconds; returns `ms`."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass
    return ms
