"""Dask distributed as a row of the futures benchmark (bench/src/peers/dask.ts drives it).

    /usr/bin/python3 bench/python/dask_peer.py WORKERS [--bridge-only]

Starts a LocalCluster with WORKERS worker processes (one thread each) and a Client, then serves
requests from stdin until EOF: each request becomes one Dask task (client.submit, pure=False),
so the harness's own loop (same task counts, same number in flight) drives Dask exactly as it
drives every other row. Requests that arrive together are submitted together (client.map). Finished tasks are collected as they complete (add_done_callback) and their results fetched
in batches (one client.gather for all that finished meanwhile), then answered on stdout.

Frames, little endian. Request: u32 id, u8 op (0 noop, 1 echo), u32 length, payload.
Reply: u32 id, u32 length, payload. A reply with id 0xFFFFFFFF says the cluster is ready.
--bridge-only answers without Dask: the ceiling of this bridge itself.
"""
import logging
import os
import struct
import sys
import threading
import warnings

READY = 0xFFFFFFFF


def noop(*_):
    return 0


def echo(payload):
    return payload


def requests(fd):
    """Yields lists of (id, op, payload): every complete request that has arrived, at once."""
    buf = bytearray()
    pos = 0
    while True:
        chunk = os.read(fd, 4 << 20)
        if not chunk:
            return
        if pos:
            del buf[:pos]
            pos = 0
        buf += chunk
        batch = []
        while len(buf) - pos >= 9:
            rid, op, n = struct.unpack_from("<IBI", buf, pos)
            if len(buf) - pos - 9 < n:
                break
            batch.append((rid, op, bytes(buf[pos + 9:pos + 9 + n])))
            pos += 9 + n
        if batch:
            yield batch


def main():
    workers = int(sys.argv[1])
    bridge_only = "--bridge-only" in sys.argv
    inp = sys.stdin.fileno()
    out = sys.stdout.buffer
    lock = threading.Lock()

    def reply(rid, data):
        with lock:
            out.write(struct.pack("<II", rid, len(data)))
            if data:
                out.write(data)
            out.flush()

    if bridge_only:
        reply(READY, b"")
        for batch in requests(inp):
            for rid, op, payload in batch:
                reply(rid, payload if op == 1 else b"")
        return

    warnings.filterwarnings("ignore")  # "Large object ... detected in task graph": that is the workload
    import queue

    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    client.gather(client.map(noop, range(4 * workers), pure=False))  # warm: every worker ran a task
    finished = queue.Queue()

    def answer():
        while True:
            batch = [finished.get()]
            while True:
                try:
                    batch.append(finished.get_nowait())
                except queue.Empty:
                    break
            results = client.gather([fut for _, fut in batch])
            for (rid, _), result in zip(batch, results):
                reply(rid, bytes(result) if isinstance(result, (bytes, bytearray, memoryview)) else b"")

    threading.Thread(target=answer, daemon=True).start()
    reply(READY, b"")
    for batch in requests(inp):
        # everything that arrived together is submitted together (client.map), as a Dask user would
        noops = [rid for rid, op, _ in batch if op == 0]
        echos = [(rid, payload) for rid, op, payload in batch if op == 1]
        futs = []
        if noops:
            futs += zip(noops, client.map(noop, noops, pure=False))
        if echos:
            futs += zip([r for r, _ in echos], client.map(echo, [p for _, p in echos], pure=False))
        for rid, fut in futs:
            fut.add_done_callback(lambda f, rid=rid: finished.put((rid, f)))
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
