"""Score extraction against hand-made gold annotations: precision / recall / F1 per kind of fact, and the misses.

    python -m commgraph.evaluate tests/gold/seed.json                  one gold file (its "article" names the text)
    python -m commgraph.evaluate tests/fixtures/eval/en/heldout        every *.gold.json in a folder, summed
    python -m commgraph.evaluate --misses FOLDER ...                   also list every miss and false fact

`make eval` scores the seed and each fixture folder. The gold format is in tests/fixtures/eval/README.md.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .facts import Extraction

@dataclass
class Score:
    true_positive: int = 0
    predicted: int = 0
    gold: int = 0
    # precision counts its own hits where a predicted fact may match no gold item (or two predictions one item)
    predicted_right: int | None = None

    @property
    def right(self) -> int:
        """Predicted facts that are right (equal to true positives unless counted apart)."""
        return self.true_positive if self.predicted_right is None else self.predicted_right

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "Score") -> None:
        right = self.right + other.right
        self.true_positive += other.true_positive
        self.predicted += other.predicted
        self.gold += other.gold
        self.predicted_right = right


@dataclass
class Miss:
    kind: str
    sentence: str
    got: str
    expected: str


@dataclass
class Report:
    scores: dict[str, Score]
    misses: list[Miss] = field(default_factory=list)


def _norm(text: str | None) -> str:
    text = (text or "").strip().lower().replace("’", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).rstrip(".")  # "U.S." and "U.S", "Ltd." and "Ltd" are the same name


def _names(entity) -> set[str]:
    return {_norm(entity.name), *(_norm(a) for a in entity.aliases)}


def _gold_names(item: dict) -> set[str]:
    names = {_norm(item["name"]), *(_norm(a) for a in item.get("aliases", []))}
    if item.get("english"):
        names.add(_norm(item["english"]))
    return names


def _gold_types(item: dict) -> set[str]:
    return {item["type"], *item.get("alt_types", [])}


def _entity_names(extraction: Extraction, key: str | None) -> set[str]:
    entity = extraction.entities.get(key or "")
    return _names(entity) if entity else set()


def _entity_label(extraction: Extraction, key: str | None) -> str:
    entity = extraction.entities.get(key or "")
    return entity.name if entity else "-"


def _sentence_at(extraction: Extraction, index: int) -> str:
    return extraction.sentences[index].text if 0 <= index < len(extraction.sentences) else ""


def _sentence_with(extraction: Extraction, needle: str) -> str:
    """The article sentence that holds a gold item's text (for the misses list)."""
    needle = _norm(needle)
    return next((s.text for s in extraction.sentences if needle and needle in _norm(s.text)), "")


def score_entities(gold: list[dict], extraction: Extraction, misses: list[Miss] | None = None) -> dict[str, Score]:
    """Recall: each gold entity found under one of its names with a right type. Precision: each extracted entity
    that is a gold entity with a right type."""
    scores: dict[str, Score] = defaultdict(Score)
    scores["all"] = Score()
    predicted = list(extraction.entities.values())
    for item in gold:
        scores[item["type"]].gold += 1
        scores["all"].gold += 1
        names, types = _gold_names(item), _gold_types(item)
        if any(e.type in types and _names(e) & names for e in predicted):
            scores[item["type"]].true_positive += 1
            scores["all"].true_positive += 1
        elif misses is not None:
            wrong = next((e for e in predicted if _names(e) & names), None)
            got = f"{wrong.name} as {wrong.type}" if wrong else "not found"
            misses.append(Miss("entity", _sentence_with(extraction, item["name"]), got, f"{item['name']} as {item['type']}"))
    # a type's precision counts the extracted entities of that type that are right: a gold entity of another
    # (main) type that allows this one must not count for its gold type (Organization precision read 1.05)
    right: dict[str, int] = defaultdict(int)
    for entity in predicted:
        scores[entity.type].predicted += 1
        scores["all"].predicted += 1
        if any(entity.type in _gold_types(item) and _names(entity) & _gold_names(item) for item in gold):
            right[entity.type] += 1
            right["all"] += 1
        elif misses is not None:
            mention = next((m for m in extraction.mentions if m.entity == entity.key), None)
            sentence = _sentence_at(extraction, mention.sentence) if mention else ""
            misses.append(Miss("false entity", sentence, f"{entity.name} as {entity.type}", "no such entity"))
    for kind, score in scores.items():
        score.predicted_right = right[kind]
    return dict(scores)


def _same_value(gold_item: dict, figure) -> bool:
    if "value" in gold_item:
        if figure.value is None:
            return False
        expected = float(gold_item["value"])
        return abs(figure.value - expected) <= max(1e-9, abs(expected) * 0.005)
    if "min" in gold_item:
        return figure.min_value is not None and abs(figure.min_value - float(gold_item["min"])) < 1e-6 * float(gold_item["min"]) + 1e-9
    return True


def _figure_matches(item: dict, figure) -> bool:
    return _norm(item["text"]) in _norm(figure.text) or (_norm(figure.text) in _norm(item["text"]) and _same_value(item, figure))


def score_figures(gold: list[dict], extraction: Extraction, gold_entities: list[dict] | None = None,
                  misses: list[Miss] | None = None) -> dict[str, Score]:
    """A gold figure is found when a predicted one has its number text; then its value, subject and canonical
    metric are checked (recall over gold figures). Precision: predicted figures that are gold figures."""
    names_of = {_norm(e["name"]): _gold_names(e) for e in (gold_entities or [])}
    found, value, subject, metric = Score(), Score(), Score(), Score()
    pool = list(extraction.figures)
    for score in (found, value, subject, metric):
        score.predicted = len(pool)
    canonical_scored = any("canonical" in item for item in gold)
    for item in gold:
        for score in (found, value, subject, metric):
            score.gold += 1
        candidates = [f for f in pool if _figure_matches(item, f)]
        match = next((f for f in candidates if _same_value(item, f)), None) or next(iter(candidates), None)
        sentence = _sentence_with(extraction, item["text"])
        if match is None:
            if misses is not None:
                misses.append(Miss("figure", sentence, "not found", f"{item['text']} {item.get('metric', '')}"))
            continue
        pool.remove(match)
        found.true_positive += 1
        if _same_value(item, match):
            value.true_positive += 1
        elif misses is not None:
            misses.append(Miss("figure value", sentence, f"{match.text} = {match.value}", f"{item.get('value', item.get('min'))}"))
        expected_subject = names_of.get(_norm(item["subject"]), {_norm(item["subject"])})
        if _entity_names(extraction, match.subject) & expected_subject:
            subject.true_positive += 1
        elif misses is not None:
            misses.append(Miss("figure subject", sentence, f"{match.text} about {_entity_label(extraction, match.subject)}",
                               f"about {item['subject']}"))
        if canonical_scored:
            got = getattr(match, "canonical", None)
            if _norm(got) == _norm(item.get("canonical")):
                metric.true_positive += 1
            elif misses is not None:
                misses.append(Miss("figure metric", sentence, f"{match.text}: {match.metric!r} -> {got}",
                                   f"{item.get('metric')!r} -> {item.get('canonical')}"))
        elif set(_norm(item["metric"]).split()) <= set(_norm(match.metric).split()):
            metric.true_positive += 1
    if misses is not None:
        for figure in pool:
            misses.append(Miss("false figure", _sentence_at(extraction, figure.sentence),
                               f"{figure.text} {figure.metric!r}", "not a figure"))
    return {"figures": found, "figure value": value, "figure subject": subject, "figure metric": metric}


def _role_matches(item: dict, role, extraction: Extraction, names_of: dict[str, set[str]]) -> bool:
    person = names_of.get(_norm(item["person"]), {_norm(item["person"])})
    org = item.get("organization") or ""
    org_names = names_of.get(_norm(org), {_norm(org)}) if org else {""}
    predicted_org = _entity_names(extraction, role.organization) if role.organization else {""}
    return bool(_entity_names(extraction, role.person) & person) and _norm(role.title) == _norm(item["title"]) \
        and bool(predicted_org & org_names)


def score_roles(gold: list[dict], extraction: Extraction, gold_entities: list[dict] | None = None,
                misses: list[Miss] | None = None) -> Score:
    names_of = {_norm(e["name"]): _gold_names(e) for e in (gold_entities or [])}
    found = 0
    for item in gold:
        if any(_role_matches(item, r, extraction, names_of) for r in extraction.roles):
            found += 1
        elif misses is not None:
            near = [f"{_entity_label(extraction, r.person)}, {r.title}, {_entity_label(extraction, r.organization)}"
                    for r in extraction.roles if _entity_names(extraction, r.person)
                    & names_of.get(_norm(item["person"]), {_norm(item["person"])})]
            misses.append(Miss("role", _sentence_with(extraction, item["person"]), "; ".join(near) or "not found",
                               f"{item['person']}, {item['title']}, {item.get('organization') or '-'}"))
    right = 0
    for role in extraction.roles:
        if any(_role_matches(item, role, extraction, names_of) for item in gold):
            right += 1
        elif misses is not None:
            misses.append(Miss("false role", _sentence_at(extraction, role.sentence),
                               f"{_entity_label(extraction, role.person)}, {role.title}, "
                               f"{_entity_label(extraction, role.organization)}", "no such role"))
    return Score(found, len(extraction.roles), len(gold), predicted_right=right)


def _quote_starts(item: dict, quote) -> bool:
    return _norm(quote.text).lstrip("\"“'‘「『 ").startswith(_norm(item["starts"]).lstrip("\"“'‘「『 "))


def score_quotes(gold: list[dict], extraction: Extraction, gold_entities: list[dict] | None = None,
                 misses: list[Miss] | None = None) -> Score:
    names_of = {_norm(e["name"]): _gold_names(e) for e in (gold_entities or [])}

    def right_speaker(item, quote) -> bool:
        return bool(_entity_names(extraction, quote.speaker) & names_of.get(_norm(item["speaker"]), {_norm(item["speaker"])}))

    found = 0
    for item in gold:
        if any(_quote_starts(item, q) and right_speaker(item, q) for q in extraction.quotes):
            found += 1
        elif misses is not None:
            same = next((q for q in extraction.quotes if _quote_starts(item, q)), None)
            got = f"speaker {_entity_label(extraction, same.speaker)}" if same else "not found"
            misses.append(Miss("quote", _sentence_with(extraction, item["starts"]), got,
                               f"{item['speaker']}: {item['starts']}"))
    right = 0
    for quote in extraction.quotes:
        if any(_quote_starts(item, quote) and right_speaker(item, quote) for item in gold):
            right += 1
        elif misses is not None and not any(_quote_starts(item, quote) for item in gold):
            misses.append(Miss("false quote", quote.text[:80], f"speaker {_entity_label(extraction, quote.speaker)}",
                               "no such quote"))
    return Score(found, len(extraction.quotes), len(gold), predicted_right=right)


def evaluate(gold: dict, extraction: Extraction, misses: list[Miss] | None = None) -> dict[str, Score]:
    entities = gold["entities"]
    scores = {f"entity {k}": v for k, v in score_entities(entities, extraction, misses).items()}
    scores.update(score_figures(gold["figures"], extraction, entities, misses))
    scores["roles"] = score_roles(gold["roles"], extraction, entities, misses)
    scores["quotes"] = score_quotes(gold["quotes"], extraction, entities, misses)
    return scores


def gold_files(target: Path) -> list[Path]:
    """A gold file, or every *.gold.json in a folder."""
    return sorted(target.glob("*.gold.json")) if target.is_dir() else [target]


def article_of(gold_path: Path, gold: dict) -> Path:
    """The gold's article: beside the gold file, else relative to the working directory (the seed's gold)."""
    beside = gold_path.parent / gold["article"]
    return beside if beside.exists() else Path(gold["article"])


def evaluate_target(target: Path, extract) -> tuple[Report, dict[str, dict[str, Score]]]:
    """Sum the scores of every gold file under `target`; also the scores per article."""
    total: dict[str, Score] = {}
    per_article: dict[str, dict[str, Score]] = {}
    misses: list[Miss] = []
    for path in gold_files(target):
        gold = json.loads(path.read_text(encoding="utf-8"))
        extraction = extract(article_of(path, gold))
        article_misses: list[Miss] = []
        scores = evaluate(gold, extraction, article_misses)
        per_article[path.name.removesuffix(".gold.json")] = scores
        misses.extend(Miss(m.kind, f"[{path.name.removesuffix('.gold.json')}] {m.sentence}", m.got, m.expected)
                      for m in article_misses)
        for name, score in scores.items():
            total.setdefault(name, Score()).add(score)
    return Report(total, misses), per_article


def format_table(scores: dict[str, Score]) -> str:
    lines = [f"{'':<22}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'found':>7}{'extracted':>10}"]
    for name, s in scores.items():
        lines.append(f"{name:<22}{s.precision:>7.2f}{s.recall:>7.2f}{s.f1:>7.2f}{s.gold:>7}{s.true_positive:>7}"
                     f"{s.predicted:>10}")
    return "\n".join(lines)


def format_per_article(per_article: dict[str, dict[str, Score]]) -> str:
    """One line per article: F1 of entities, recall of figures / subjects / metrics, roles and quotes."""
    lines = [f"{'article':<48}{'ent F1':>7}{'fig':>6}{'subj':>6}{'metr':>6}{'role':>6}{'quot':>6}"]
    for name, s in per_article.items():
        lines.append(f"{name[:47]:<48}{s['entity all'].f1:>7.2f}{s['figures'].recall:>6.2f}"
                     f"{s['figure subject'].recall:>6.2f}{s['figure metric'].recall:>6.2f}"
                     f"{s['roles'].recall:>6.2f}{s['quotes'].recall:>6.2f}")
    return "\n".join(lines)


def format_misses(misses: list[Miss]) -> str:
    return "\n".join(f"- {m.kind}: {m.sentence[:160]!r}\n    got {m.got} | expected {m.expected}" for m in misses)


def main(argv: list[str]) -> int:
    from .extract import Extractor, load_rules
    from .settings import Settings
    from .sources import read_path

    show_misses = "--misses" in argv
    targets = [Path(a) for a in argv if a != "--misses"]
    # the old form "GOLD ARTICLE": the gold names its article itself
    targets = [t for t in targets if t.is_dir() or t.name.endswith(".json")]
    if not targets:
        print("usage: python -m commgraph.evaluate [--misses] GOLD.json|FOLDER ...", file=sys.stderr)
        return 2
    missing = [t for t in targets if not t.exists()]
    if missing:
        print(f"{missing[0]}: no such gold file or folder", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    extractor = Extractor.load(settings.model, load_rules(settings.rules_path))

    def extract(path: Path) -> Extraction:
        return extractor.extract(read_path(path)[0])

    for target in targets:
        files = gold_files(target)
        if not files:
            print(f"{target}: no *.gold.json files yet\n")
            continue
        report, per_article = evaluate_target(target, extract)
        print(f"## {target} ({len(files)} article{'s' if len(files) != 1 else ''})")
        print(format_table(report.scores))
        if len(files) > 1:
            print(format_per_article(per_article))
        if show_misses and report.misses:
            print(format_misses(report.misses))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
