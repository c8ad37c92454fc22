"""The shape of the package: the web process loads no extraction code, and imports only point down the layers."""

import json
import subprocess
import sys


def test_the_web_process_loads_no_extraction_code():
    """`import commgraph.server` (and building an app) must not run `extract/`, spaCy or jieba: the web process
    depends on plain data (commgraph.facts) only. A fresh interpreter, so other tests' imports do not count."""
    probe = ("import json, sys\n"
             "import commgraph.server\n"
             "from commgraph.graph import open_store\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'jieba', 'thinc')\n"
             "                        or m.startswith('commgraph.extract'))))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == []
