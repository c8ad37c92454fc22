"""The costly-search burst of issue 15: 8 clients send distinct 32-word searches while /healthz and a cheap
page are timed beside them (target: /healthz p95 under 200 ms).

    python bench/burst.py --url http://127.0.0.1:5600 [--seconds 10]    (against a running server)

`bench/run.py` calls `bench_costly_burst` for each store size after the mixed load.
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "corpus" / "2015-08-06-tencent-qq-mobile-community-conference.txt"


def costly_queries(count: int = 16, words: int = 32, seed: int = 15) -> list[str]:
    """`count` distinct searches of `words` common words of the seed article each (half AND, half OR): the
    words every synthetic article shares, so each reads long posting lists."""
    found = collections.Counter(re.findall(r"[a-z]{5,}", SEED.read_text(encoding="utf-8").lower()))
    common = [w for w, _ in found.most_common(150)]
    rng = random.Random(seed)
    queries = []
    for n in range(count):
        chosen = rng.sample(common, words)
        queries.append((" OR " if n % 2 else " ").join(chosen))
    return queries


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def costly_burst(base: str, clients: int = 8, seconds: float = 10.0) -> dict:
    """Run the burst; latencies in ms and the status codes of the costly searches."""
    queries = costly_queries()
    stop = time.perf_counter() + seconds
    costly: list[float] = []
    statuses: collections.Counter = collections.Counter()
    probes: dict[str, list[float]] = {"/healthz": [], "/api/search?q=tribes": []}
    lock = threading.Lock()

    def client(n: int) -> None:
        i = n
        while time.perf_counter() < stop:
            # a fresh parameter makes every request miss the server's per-generation result cache
            url = base + "/api/search?" + urllib.parse.urlencode({"q": queries[i % len(queries)],
                                                                  "burst": f"{n}-{i}-{time.time_ns()}"})
            i += clients
            t = time.perf_counter()
            status = _get(url)
            with lock:
                costly.append(time.perf_counter() - t)
                statuses[status] += 1

    def prober(path: str) -> None:
        n = 0
        while time.perf_counter() < stop:
            sep = "&" if "?" in path else "?"
            t = time.perf_counter()
            status = _get(f"{base}{path}{sep}probe={n}-{time.time_ns()}" if "search" in path else base + path)
            if status == 200:
                probes[path].append(time.perf_counter() - t)
            n += 1
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads += [threading.Thread(target=prober, args=(path,)) for path in probes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ms = 1000.0
    return {
        "healthz_p50": _p(probes["/healthz"], 0.5) * ms, "healthz_p95": _p(probes["/healthz"], 0.95) * ms,
        "healthz_max": max(probes["/healthz"], default=float("nan")) * ms,
        "cheap_search_p95": _p(probes["/api/search?q=tribes"], 0.95) * ms,
        "costly_p50": _p(costly, 0.5) * ms, "costly_p95": _p(costly, 0.95) * ms,
        "costly_requests": len(costly), "statuses": dict(statuses),
    }


def bench_costly_burst(base: str, size: int, record) -> None:
    """The burst as bench rows (`record` is bench/run.py's)."""
    result = costly_burst(base)
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result["statuses"].items()))
    print(f"  costly burst statuses: {statuses}", flush=True)
    record(f"[{size}] costly burst (8 clients, 32 words): /healthz p95", result["healthz_p95"], "ms", None, "",
           "target p95 < 200 ms")
    record(f"[{size}] costly burst: /healthz max", result["healthz_max"], "ms")
    record(f"[{size}] costly burst: cheap search p95 beside it", result["cheap_search_p95"], "ms", None, "",
           "target p95 < 200 ms")
    record(f"[{size}] costly burst: costly search p50", result["costly_p50"], "ms")
    record(f"[{size}] costly burst: costly search p95", result["costly_p95"], "ms")
    record(f"[{size}] costly burst: costly searches answered", result["costly_requests"], "count")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    result = costly_burst(args.url.rstrip("/"), args.clients, args.seconds)
    for key, value in result.items():
        print(f"{key:>18}  {value:.1f}" if isinstance(value, float) else f"{key:>18}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
