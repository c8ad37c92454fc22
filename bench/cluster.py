"""The cluster row of `make bench`: `commgraph ingest` of the same synthetic articles on a Dask cluster of two
worker processes (a LocalCluster over TCP on 127.0.0.1) against ingest in two local processes, in the same run.

Both sides pay the model load on every ingest (local children load it each time; before each cluster ingest the
worker plugin is unregistered, so the workers load it again), and the runs alternate; each figure is the best
of its rounds, as in bench_ingest. `python bench/cluster.py [--articles 100] [--rounds 3]` runs this row alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import ROOT, write_corpus  # noqa: E402

from commgraph.cluster import PLUGIN_PREFIX  # noqa: E402
from commgraph.pipeline import ingest  # noqa: E402
from commgraph.settings import Settings  # noqa: E402
from commgraph.sources import iter_source_files, read_path  # noqa: E402


def _plugin_names(dask_scheduler) -> list[str]:
    return [name for name in dask_scheduler.worker_plugins if name.startswith(PLUGIN_PREFIX)]


def bench_cluster_ingest(out: Path, count: int, rounds: int, record) -> None:
    """Words/s of ingest on a two-worker LocalCluster and in two local processes, alternated `rounds` times."""
    from distributed import Client, LocalCluster

    corpus = write_corpus(out / f"ingest-corpus-{count}", count)
    n_words = sum(len(read_path(p)[0].body.split()) for p in iter_source_files([corpus]))
    runs: dict[str, list[float]] = {"local": [], "cluster": []}
    loads: list[float] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", protocol="tcp",
                      dashboard_address="127.0.0.1:0", silence_logs=50) as cluster, \
            Client(cluster.scheduler_address, set_as_default=False) as client:
        for _ in range(rounds):
            for side in runs:
                data = out / f"cluster-data-{count}-{side}"
                shutil.rmtree(data, ignore_errors=True)
                if side == "cluster":
                    for name in client.run_on_scheduler(_plugin_names):
                        client.unregister_worker_plugin(name)
                    settings = Settings.create(data_dir=data, dask_scheduler=cluster.scheduler_address)
                else:
                    settings = Settings.create(data_dir=data, ingest_workers=2)
                started = time.perf_counter()
                report = ingest([corpus], settings)
                runs[side].append(n_words / (time.perf_counter() - started))
                loads.append(os.getloadavg()[0])
                assert len(report.added) == count and not report.failed, report.failed[:3]
            print("  words/s this round: " + ", ".join(f"{k}: {v[-1]:.0f}" for k, v in runs.items()), flush=True)
    local, on_cluster = max(runs["local"]), max(runs["cluster"])
    record(f"commgraph ingest, 2 local processes, best of {rounds}", local, "words/s")
    record("commgraph ingest, 2-worker Dask cluster", on_cluster, "words/s", local, "2 local processes",
           "target >= 0.90x")
    record("load average (1 min) during the cluster rows, max", max(loads), "")


if __name__ == "__main__":
    from run import record  # noqa: E402

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=int(os.environ.get("BENCH_INGEST", "100")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_INGEST_ROUNDS", "3")))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    bench_cluster_ingest(args.out, args.articles, args.rounds, record)
