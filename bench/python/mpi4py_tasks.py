"""Task functions for the mpi4py.futures benchmark rows (imported by the worker ranks)."""


def noop():
    return 0


def echo(x):
    return x
