"""How Ray and Dask distributed compare as the engine of `extractor corpus run`, on this machine.

    python bench/cluster_engines.py ray            # in an environment with `pip install ray`
    python bench/cluster_engines.py distributed    # in one with `pip install distributed`

Prints, for a local cluster of 2 worker processes: start-up time (cluster up and both workers
ready), per-task overhead (mean round trip of 200 trivial tasks submitted at once, and of one
task at a time), and the resident memory of the driver plus every process the engine started.
Install size and time are measured outside (fresh venv, `pip install`, `du -sm`): see
bench/README.md. Figures are of one run; the machine's load moves them by tens of percent.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # not bench/, whose distributed.py hides the package


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
            for tid in os.listdir(f"/proc/{p}/task"):  # a child started by any thread
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, StopIteration):
            pass
    return total


def _noop(x: int) -> int:
    return x


def measure_ray() -> dict[str, float]:
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(_noop)
    ray.get([remote.remote(i) for i in range(2)])  # both worker processes up
    startup = time.perf_counter() - started
    t = time.perf_counter()
    ray.get([remote.remote(i) for i in range(200)])
    batch = (time.perf_counter() - t) / 200
    t = time.perf_counter()
    for i in range(50):
        ray.get(remote.remote(i))
    serial = (time.perf_counter() - t) / 50
    memory = _rss_mb(os.getpid())
    ray.shutdown()
    return {"startup_s": startup, "task_batch_ms": batch * 1000, "task_serial_ms": serial * 1000, "rss_mb": memory}


def measure_dask() -> dict[str, float]:
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    client.wait_for_workers(2)
    startup = time.perf_counter() - started
    t = time.perf_counter()
    client.gather(client.map(_noop, range(200), pure=False))
    batch = (time.perf_counter() - t) / 200
    t = time.perf_counter()
    for i in range(50):
        client.submit(_noop, i, pure=False).result()
    serial = (time.perf_counter() - t) / 50
    memory = _rss_mb(os.getpid())
    client.close()
    cluster.close()
    return {"startup_s": startup, "task_batch_ms": batch * 1000, "task_serial_ms": serial * 1000, "rss_mb": memory}


if __name__ == "__main__":
    engine = sys.argv[1] if len(sys.argv) > 1 else "distributed"
    figures = measure_ray() if engine == "ray" else measure_dask()
    print(json.dumps({"engine": engine, **{k: round(v, 2) for k, v in figures.items()}}))
