"""The Chinese ingest row of `make bench`: characters/s of `commgraph ingest` on Chinese articles against bare
jieba + the gazetteer's entity ruler (spaCy's Chinese class, the same segmenter config), in the same run.

The articles are the Chinese tune fixtures' bodies, repeated (each file a new article) up to `count`.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from synth import ROOT

from commgraph.extract import load_rules
from commgraph.pipeline import ingest
from commgraph.settings import Settings
from commgraph.sources import iter_source_files, read_path

ZH_TUNE = ROOT / "tests" / "fixtures" / "eval" / "zh" / "tune"


def chinese_corpus(out: Path, count: int) -> list[Path]:
    """`count` Chinese article files (UTF-8 .txt) made from the tune fixtures' bodies."""
    bodies = [(a.title, a.body) for p in iter_source_files([ZH_TUNE]) if not p.name.endswith(".gold.json")
              for a in read_path(p)]
    folder = out / f"zh-corpus-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count if bodies else 0):
        title, body = bodies[n % len(bodies)]
        path = folder / f"2020-01-{1 + n % 28:02d}-zh-{n:04d}.txt"
        path.write_text(f"{title}（{n}）\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def bench_chinese_ingest(out: Path, count: int, rounds: int, record) -> None:
    """Best of `rounds` alternating runs: bare jieba + ruler (pipeline load included), then a whole ingest."""
    import spacy

    paths = chinese_corpus(out, count)
    if not paths:
        return
    rules = load_rules(Settings().rules_path)
    bodies = [read_path(p)[0].body for p in paths]
    chars = sum(len(b) for b in bodies)
    bare_runs, ingest_runs = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        ruler = nlp.add_pipe("entity_ruler")
        ruler.add_patterns([{"label": k.type, "pattern": t} for k in rules.known for t in (k.name, *k.aliases)])
        for _doc in nlp.pipe(bodies, batch_size=8):
            pass
        bare_runs.append(chars / (time.perf_counter() - started))
        del nlp
        data = out / f"zh-ingest-data-{count}"
        subprocess.run(["rm", "-rf", str(data)], check=True)
        started = time.perf_counter()
        report = ingest(paths, Settings.create(data_dir=data))
        ingest_runs.append(chars / (time.perf_counter() - started))
        assert len(report.added) == count and not report.failed, report.failed
        print(f"  Chinese chars/s this round: bare {bare_runs[-1]:.0f}, ingest {ingest_runs[-1]:.0f}", flush=True)
    bare, whole = max(bare_runs), max(ingest_runs)
    record(f"jieba + gazetteer ruler, bare (load included), best of {rounds}", bare, "chars/s")
    record(f"commgraph ingest, {count} Chinese articles, 1 process", whole, "chars/s", bare,
           "bare jieba + ruler", "measured: POS tags, rules, graph, index")
