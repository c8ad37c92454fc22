"""Score extraction against a hand-made gold annotation: precision / recall / F1 per entity type and fact kind.

    python -m commgraph.evaluate tests/gold/seed.json corpus/<article>   (what `make eval` runs)
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .extract.model import Extraction


@dataclass
class Score:
    true_positive: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower())


def _names(entity) -> set[str]:
    return {_norm(entity.name), *(_norm(a) for a in entity.aliases)}


def score_entities(gold: list[dict], extraction: Extraction) -> dict[str, Score]:
    scores: dict[str, Score] = defaultdict(Score)
    predicted = list(extraction.entities.values())
    for entity in predicted:
        scores[entity.type].predicted += 1
        scores["all"].predicted += 1
    for item in gold:
        scores[item["type"]].gold += 1
        scores["all"].gold += 1
        gold_names = {_norm(item["name"]), *(_norm(a) for a in item.get("aliases", []))}
        if any(e.type == item["type"] and _names(e) & gold_names for e in predicted):
            scores[item["type"]].true_positive += 1
            scores["all"].true_positive += 1
    return dict(scores)


def _subject_name(extraction: Extraction, key: str | None) -> set[str]:
    entity = extraction.entities.get(key or "")
    return _names(entity) if entity else set()


def score_figures(gold: list[dict], extraction: Extraction) -> dict[str, Score]:
    """A gold figure is found when a predicted one has the same number text; then its subject and metric are checked."""
    found, subject, metric = Score(), Score(), Score()
    pool = list(extraction.figures)
    found.predicted = len(pool)
    for item in gold:
        found.gold += 1
        subject.gold += 1
        metric.gold += 1
        match = next((f for f in pool if _norm(item["text"]) in _norm(f.text)
                      and (not item.get("metric") or set(_norm(item["metric"]).split()) & set(_norm(f.metric).split()))),
                     None) or next((f for f in pool if _norm(item["text"]) in _norm(f.text)), None)
        if match is None:
            continue
        pool.remove(match)
        found.true_positive += 1
        subject.predicted += 1
        metric.predicted += 1
        if _norm(item["subject"]) in _subject_name(extraction, match.subject):
            subject.true_positive += 1
        if set(_norm(item["metric"]).split()) <= set(_norm(match.metric).split()):
            metric.true_positive += 1
    return {"figures": found, "figure subject": subject, "figure metric": metric}


def score_roles(gold: list[dict], extraction: Extraction) -> Score:
    predicted = {(min(_subject_name(extraction, r.person)), _norm(r.title),
                  _norm(extraction.entities[r.organization].name) if r.organization else "")
                 for r in extraction.roles}
    found = 0
    for item in gold:
        names_ok = [p for p in extraction.roles if _norm(item["person"]) in _subject_name(extraction, p.person)
                    and _norm(p.title) == _norm(item["title"])
                    and (_norm(extraction.entities[p.organization].name) if p.organization else "")
                    == _norm(item["organization"])]
        found += bool(names_ok)
    return Score(found, len(predicted), len(gold))


def score_quotes(gold: list[dict], extraction: Extraction) -> Score:
    found = sum(any(q.text.startswith(item["starts"]) and _norm(item["speaker"]) in _subject_name(extraction, q.speaker)
                    for q in extraction.quotes) for item in gold)
    return Score(found, len(extraction.quotes), len(gold))


def evaluate(gold: dict, extraction: Extraction) -> dict[str, Score]:
    scores = {f"entity {k}": v for k, v in score_entities(gold["entities"], extraction).items()}
    scores.update(score_figures(gold["figures"], extraction))
    scores["roles"] = score_roles(gold["roles"], extraction)
    scores["quotes"] = score_quotes(gold["quotes"], extraction)
    return scores


def format_table(scores: dict[str, Score]) -> str:
    lines = [f"{'':<22}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'found':>7}"]
    for name, s in scores.items():
        lines.append(f"{name:<22}{s.precision:>7.2f}{s.recall:>7.2f}{s.f1:>7.2f}{s.gold:>7}{s.true_positive:>7}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from .extract import Extractor, load_rules
    from .settings import Settings
    from .sources import read_path

    if len(argv) != 2:
        print("usage: python -m commgraph.evaluate GOLD.json ARTICLE", file=sys.stderr)
        return 2
    gold = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    settings = Settings.from_env()
    extraction = Extractor.load(settings.model, load_rules(settings.rules_path)).extract(read_path(Path(argv[1]))[0])
    print(format_table(evaluate(gold, extraction)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
