"""Is what an ingest writes unchanged by a change? Dump one ingest of a corpus, then compare two dumps.

    PYTHONPATH=/tmp/before/src python bench/compare_ingest.py dump CORPUS DATA WORKERS before.pkl
    python bench/compare_ingest.py dump CORPUS DATA2 WORKERS after.pkl
    python bench/compare_ingest.py compare before.pkl after.pkl

A dump holds the report (less its timing and generation number), the manifest's entries, totals, format and
rules, every quad of the store, and of the Whoosh index the documents' stored fields in order, every posting
(article, weight, value) and every field length; also the progress events. Segments are not compared.
"""

from __future__ import annotations

import json
import pickle
import shutil
import sys
from pathlib import Path


def dump(corpus: Path, data: Path, workers: int, out: Path) -> None:
    import pyoxigraph as ox
    from whoosh import index as whoosh_index

    from commgraph import generations as gens
    from commgraph.pipeline import ingest
    from commgraph.settings import Settings

    shutil.rmtree(data, ignore_errors=True)
    events: list = []
    report = ingest([corpus], Settings.create(data_dir=data, ingest_workers=workers),
                    progress=lambda message, done, total: events.append((message, done, total)))
    current = gens.require_current(data)
    manifest = gens.read_manifest(current)
    quads = sorted(str(q) for q in ox.Store.read_only(str(current / "store")).quads_for_pattern(None, None, None))
    ix = whoosh_index.open_dir(str(current / "index"))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {n: fields["id"] for n, fields in reader.iter_docs()}
        postings = {}
        for term in reader.all_terms():
            matcher, items = reader.postings(*term), []
            while matcher.is_active():
                items.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            postings[term] = sorted(items)
        lengths = {(f, ids[d]): reader.doc_field_length(d, f) for d in ids for f in ix.schema.scorable_names()}
        stored = list(searcher.all_stored_fields())
    written = json.loads(report.to_json())
    del written["seconds"], written["generation"]
    with open(out, "wb") as f:
        pickle.dump({"report": written, "manifest": {k: vars(v) for k, v in manifest.articles.items()},
                     "totals": manifest.totals, "format": manifest.format, "rules": manifest.rules, "quads": quads,
                     "stored": stored, "postings": postings, "lengths": lengths, "events": events}, f)
    print(f"{len(quads)} quads, {len(stored)} documents, {len(postings)} terms, {len(events)} progress events")


def compare(first: Path, second: Path) -> int:
    with open(first, "rb") as f:
        a = pickle.load(f)
    with open(second, "rb") as f:
        b = pickle.load(f)
    different = [key for key in a if a[key] != b.get(key)]
    for key in different:
        print(f"different: {key}")
    print("identical" if not different else f"{len(different)} parts differ")
    return 1 if different else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"] and len(sys.argv) == 6:
        dump(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
    elif sys.argv[1:2] == ["compare"] and len(sys.argv) == 4:
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
