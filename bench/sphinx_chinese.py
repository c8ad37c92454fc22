"""Chinese on Sphinx: its own single-character ngrams against our jieba words (the Sphinx engine's choice).

    python bench/sphinx_chinese.py        # needs searchd (apt-get install -y sphinxsearch)

Indexes the Chinese test fixtures twice on a private searchd: `ngram` with Sphinx's CJK support (ngram_len = 1,
ngram_chars = the Han blocks; each query sent as a phrase, so its characters must be adjacent, the strictest
ngram reading) and through the Sphinx engine (jieba, as the Whoosh engine). Queries: every Chinese name and
alias of the gazetteer, and every two-character string that occurs in the texts across a jieba word boundary
(the last character of one word and the first of the next). For each: how many articles contain the string,
and how many each index returns.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from commgraph.extract.rules import load_rules  # noqa: E402
from commgraph.search.analysis import has_han, segmenter  # noqa: E402
from commgraph.search.protocol import IndexDocument, SearchRequest  # noqa: E402
from commgraph.search.sphinx_engine import SphinxEngine, config_text  # noqa: E402
from commgraph.sources import iter_source_files, read_path  # noqa: E402

NGRAM = """
index ngram
{{
    type = rt
    path = {d}/ngram
    rt_field = body
    rt_attr_string = aid
    charset_table = 0..9, A..Z->a..z, a..z
    ngram_len = 1
    ngram_chars = U+3400..U+4DBF, U+4E00..U+9FFF, U+F900..U+FAFF
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    binary = shutil.which("searchd")
    if binary is None:
        sys.exit("no searchd: apt-get install -y sphinxsearch")
    articles = [a for folder in ("tune", "heldout") for p in iter_source_files([ROOT / "tests/fixtures/eval/zh" / folder])
                if not p.name.endswith(".gold.json") for a in read_path(p)]
    rules = load_rules(ROOT / "src/commgraph/rules")
    words = tuple(n for k in rules.known for n in (k.name, *k.aliases))
    names = sorted({n for n in words if has_han(n)})
    cut = segmenter(tuple(w for w in words if has_han(w)))
    boundary: set[str] = set()
    for article in articles:
        tokens = [t for t in cut.cut(article.body) if has_han(t)]
        boundary.update(x[-1] + y[0] for x, y in zip(tokens, tokens[1:]))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        port = free_port()
        (d / "sphinx.conf").write_text(config_text("cg", d, port) + NGRAM.format(d=d), encoding="utf-8")
        process = subprocess.Popen([binary, "--config", str(d / "sphinx.conf"), "--nodetach"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            engine = SphinxEngine(port=port, index="cg")
            sql = engine.connections()
            generation = d / "generations" / "g000001" / "index"
            writer = engine.writer(generation, words=words)
            for i, article in enumerate(articles, 1):
                writer.replace(IndexDocument(id=article.id, title=article.title, body=article.body, lang="zh"))
                sql.run("INSERT INTO ngram (id, body, aid) VALUES (%s, %s, %s)",
                        (i, article.title + "\n" + article.body, article.id))
            writer.commit()
            index = engine.open(generation)
            for label, queries in (("gazetteer names", names), ("strings across a word boundary", sorted(boundary))):
                contain = ngram = ours = exact_ngram = exact_ours = asked = 0
                for q in queries:
                    truth = {a.id for a in articles if q in a.title + "\n" + a.body}
                    if not truth:
                        continue
                    asked += 1
                    got_ngram = {aid for (aid,) in sql.run("SELECT aid FROM ngram WHERE MATCH(%s) LIMIT 100",
                                                           (f'"{q}"',))}
                    got_ours = {h.id for h in index.search(SearchRequest(text=f'"{q}"', page_size=100)).hits}
                    contain += len(truth)
                    ngram += len(got_ngram)
                    ours += len(got_ours)
                    exact_ngram += got_ngram == truth
                    exact_ours += got_ours == truth
                    if got_ours != truth and label == "gazetteer names":
                        print(f"  {q}: contained in {len(truth)}, jieba finds {len(got_ours & truth)} of them "
                              f"and {len(got_ours - truth)} others {sorted(got_ours - truth)}")
                print(f"{label}: {asked} strings found in the texts; articles containing them {contain}; "
                      f"ngram returns {ngram} (same set for {exact_ngram}/{asked}), jieba returns {ours} "
                      f"(same set for {exact_ours}/{asked})")
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
