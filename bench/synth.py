"""A deterministic synthetic corpus for benchmarks, recombined from the seed article (clearly labelled synthetic).

Each article takes the seed's paragraphs in a seeded order, swaps names for others from small pools and
changes every number, so that no two articles are the same text but all read like the real one.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from commgraph.sources import read_path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "2015-08-06-tencent-qq-mobile-community-conference.txt"
NAME_SWAPS = {
    "Tang Daosheng": ["Tang Daosheng", "Li Wei", "Zhang Min", "Chen Jie", "Wang Fang"],
    "Yin Yu": ["Yin Yu", "Liu Yang", "Huang Lei", "Zhou Ning"],
    "Wu Xiaobo": ["Wu Xiaobo", "Sun Hao", "Ma Lin", "Guo Jing"],
    "Beijing": ["Beijing", "Chengdu", "Hangzhou", "Wuhan", "Xi'an"],
    "WeChat": ["WeChat", "Weibo", "Momo", "Douban"],
}


def synthetic_articles(count: int, seed: int = 20151) -> list[tuple[str, str]]:
    """(file name, text) pairs: `count` synthetic articles."""
    base = read_path(SEED)[0]
    paragraphs = [p for p in base.body.split("\n\n") if len(p.split()) > 8]
    rng = random.Random(seed)
    articles = []
    for n in range(count):
        chosen = rng.sample(paragraphs, k=max(4, len(paragraphs) * 2 // 3))
        text = "\n\n".join(chosen)
        for name, pool in NAME_SWAPS.items():
            text = text.replace(name, rng.choice(pool))
        text = re.sub(r"\d+(?:,\d{3})*(?:\.\d+)?", lambda m: _vary(m.group(0), rng), text)
        year = 2012 + n % 8
        title = f"SYNTHETIC BENCHMARK ARTICLE {n}: community report {year}"
        articles.append((f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}-synthetic-{n:05d}.txt",
                         f"{title}\n\nThis is a synthetic benchmark article recombined from the seed corpus.\n\n{text}\n"))
    return articles


def _vary(number: str, rng: random.Random) -> str:
    if re.fullmatch(r"(19|20)\d\d", number):
        return number  # keep years
    value = float(number.replace(",", "")) * rng.uniform(0.5, 1.5)
    return f"{value:,.1f}" if "." in number else f"{int(value):,}"


def write_corpus(target: Path, count: int) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name, text in synthetic_articles(count):
        path = target / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
    return target
