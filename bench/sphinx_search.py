"""Search on the Sphinx engine against the embedded Whoosh engine, in-process through the search protocol.

    python bench/sphinx_search.py [--sizes 1000,10000]     # needs searchd (apt-get install -y sphinxsearch)

Documents are bench/synth.py's synthetic articles; their entities are the gazetteer entries whose names occur in
the text (no spaCy: this measures search, not extraction). For each size: writing the first generation, the
next generation with one article replaced (the "add one" step of an ingest: Whoosh hard-links its files, Sphinx
adds the new generation's tag to every document), and p50/p95 of searches with highlights and facets (the same
queries as `make bench`'s search rows), the two engines' samples alternating. Both run on this machine;
searchd's own time is included.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from synth import synthetic_articles  # noqa: E402

from commgraph.extract.rules import load_rules  # noqa: E402
from commgraph.search.protocol import IndexDocument, SearchRequest, TYPE_FIELDS  # noqa: E402
from commgraph.search.sphinx_engine import SphinxEngine, config_text  # noqa: E402
from commgraph.search.whoosh_engine import WhooshEngine  # noqa: E402

QUERIES = (("1 word", "tribes"), ("2 words", "interest tribes"), ("phrase", '"monthly active users"'),
           ("Chinese word", "腾讯"), ("Chinese phrase", '"活跃账户"'), ("no match (did-you-mean)", "tencnet"))
SAMPLES = 30


def documents(count: int) -> list[IndexDocument]:
    known = load_rules(ROOT / "src/commgraph/rules").known
    docs = []
    for i, (_, text) in enumerate(synthetic_articles(count)):
        title, _, body = text.partition("\n")
        found = [k for k in known if any(n in text for n in (k.name, *k.aliases))]
        keys = {f"{k.type.lower()}/{k.name.lower().replace(' ', '-')}": k for k in found}
        names = {name: tuple(sorted({n for k in found if k.type == type_ for n in (k.name, *k.aliases)}))
                 for name, type_ in TYPE_FIELDS.items()}
        date = f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}"
        docs.append(IndexDocument(id=f"a{i:06d}", title=title, body=body, date=date, lang="en",
                                  entities=tuple(sorted(keys)), names=names))
    return docs


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def build(engine, root: Path, docs: list[IndexDocument], label: str, words: tuple[str, ...]):
    """Write the first generation and the next one with one article replaced; the second, opened."""
    first, second = root / "generations" / "g000001" / "index", root / "generations" / "g000002" / "index"
    t = time.perf_counter()
    writer = engine.writer(first, words=words)
    for doc in docs:
        writer.replace(doc)
    writer.commit()
    print(f"[{len(docs)}] {label}: write {len(docs)} documents {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    writer = engine.writer(second, previous=first, words=words)
    writer.replace(docs[0])
    writer.commit()
    print(f"[{len(docs)}] {label}: next generation with 1 article replaced {(time.perf_counter() - t) * 1000:.0f} ms")
    return engine.open(second)


def measure(indexes: dict, docs: list[IndexDocument]) -> None:
    """Each query's samples alternate between the engines, so both see the same load on this shared machine."""
    texts = {d.id: d.body for d in docs}
    for name, q in QUERIES:
        times: dict[str, list[float]] = {label: [] for label in indexes}
        totals = {}
        for label, index in indexes.items():
            index.search(SearchRequest(q), texts=lambda ids: {i: texts[i] for i in ids})  # warm
        for _ in range(SAMPLES):
            for label, index in indexes.items():
                t = time.perf_counter()
                totals[label] = index.search(SearchRequest(q), texts=lambda ids: {i: texts[i] for i in ids}).total
                times[label].append(time.perf_counter() - t)
        for label in indexes:
            p50, p95 = percentiles(times[label])
            print(f"[{len(docs)}] {label}: search {name} ({totals[label]} hits) + highlights + facets: "
                  f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--engines", default="whoosh,sphinx")
    args = parser.parse_args()
    binary = shutil.which("searchd")
    if binary is None:
        sys.exit("no searchd: apt-get install -y sphinxsearch")
    words = tuple(n for k in load_rules(ROOT / "src/commgraph/rules").known for n in (k.name, *k.aliases))
    for size in (int(s) for s in args.sizes.split(",")):
        docs = documents(size)
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            (d / "sphinx.conf").write_text(config_text("cg", d, port), encoding="utf-8")
            process = subprocess.Popen([binary, "--config", str(d / "sphinx.conf"), "--nodetach"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(100):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        time.sleep(0.1)
                indexes = {}
                if "whoosh" in args.engines:
                    indexes["whoosh"] = build(WhooshEngine(), d / "whoosh", docs, "whoosh", words)
                if "sphinx" in args.engines:
                    indexes["sphinx"] = build(SphinxEngine(port=port, index="cg", timeout=10.0), d / "sphinx", docs,
                                              "sphinx", words)
                measure(indexes, docs)
            finally:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
