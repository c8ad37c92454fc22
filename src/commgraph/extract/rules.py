"""The user-editable rules (gazetteer and curation TOML files), loaded into plain data. No spaCy here."""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SettingsError
from .model import ENTITY_TYPES

RULE_FILES = ("gazetteer.toml", "curation.toml", "metrics.toml", "vocabulary.toml", "chinese.toml")


@dataclass(frozen=True)
class KnownEntity:
    name: str
    type: str
    aliases: tuple[str, ...]


@dataclass
class Rules:
    known: list[KnownEntity] = field(default_factory=list)
    retype: dict[str, str] = field(default_factory=dict)
    never: set[str] = field(default_factory=set)
    never_patterns: tuple[re.Pattern, ...] = ()  # curation.toml [never] patterns: credits, ids, time zones
    titles_may_match: frozenset[str] = frozenset()  # [never] patterns a work's title may match ("Black Myth: Wukong")
    title_heads: set[str] = field(default_factory=set)
    academic_titles: set[str] = field(default_factory=set)
    # canonical metric -> its surface forms (lower case), from metrics.toml
    metrics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unmapped_metrics: set[str] = field(default_factory=set)  # phrases with no canonical metric (metrics.toml)
    # vocabulary.toml as read: speech verbs, growth words, reference words, figure filler
    vocabulary: dict = field(default_factory=dict)
    # chinese.toml as read: titles, speech verbs, organisation suffixes, figure words, surnames
    chinese: dict = field(default_factory=dict)
    fingerprint: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def canonical_forms(self) -> dict[str, str]:
        """Every surface form of a metric (lower case) -> its canonical name."""
        return {form: name for name, forms in self.metrics.items() for form in (name, *forms)}

    def words(self, section: str, key: str) -> frozenset[str]:
        """A word list of vocabulary.toml, e.g. words("speech", "verbs"), read once."""
        cached = self._cache.get((section, key))
        if cached is None:
            cached = self._cache[(section, key)] = frozenset(self.vocabulary.get(section, {}).get(key, []))
        return cached

    def news_outlets(self) -> frozenset[str]:
        """vocabulary.toml's outlets and exchanges, as entity keys spell them ('south china morning post')."""
        cached = self._cache.get("news_outlets")
        if cached is None:
            cached = self._cache["news_outlets"] = frozenset(
                n.replace("'", "").replace("-", " ") for n in self.words("figures", "not_subjects"))
        return cached

    def class_nouns(self) -> dict[str, str]:
        """vocabulary.toml [types] class nouns -> the type they give a name ('app' -> Product)."""
        cached = self._cache.get("class_nouns")
        if cached is None:
            cached = self._cache["class_nouns"] = {noun: t for t in ENTITY_TYPES
                                                   for noun in self.words("types", f"class_{t}")}
        return cached

    def alias_table(self) -> dict[str, KnownEntity]:
        """Every name and alias (lower-cased) -> its known entity; built once (it was 20 ms of every article).
        Read it, never change it."""
        table = self._cache.get("alias_table")
        if table is None:
            table = {}
            for known in self.known:
                for name in (known.name, *known.aliases):
                    table[name.lower()] = known
                    table.setdefault(name_key(name), known)  # "Momo Inc" as written without its full stop
            self._cache["alias_table"] = table
        return table


def rules_fingerprint(rules_dir: Path) -> str:
    """A hash of the rule files: a change means a rebuild is due."""
    digest = hashlib.sha256()
    for name in RULE_FILES:
        path = rules_dir / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()[:16]


def load_rules(rules_dir: Path) -> Rules:
    """Read gazetteer.toml and curation.toml; a malformed file raises with its name and the problem."""
    gazetteer = _read_toml(rules_dir / "gazetteer.toml")
    curation = _read_toml(rules_dir / "curation.toml")
    rules = Rules(fingerprint=rules_fingerprint(rules_dir))
    for source, section in ((gazetteer, "entity"), (curation, "merge")):
        for i, item in enumerate(source.get(section, [])):
            rules.known.append(_known_entity(item, f"{section}[{i}]", rules_dir))
    for name, type_ in curation.get("retype", {}).items():
        _check_type(type_, f"retype.{name}", rules_dir)
        rules.retype[name.lower()] = type_
    rules.never = {n.lower() for n in curation.get("never", {}).get("names", [])}
    try:
        rules.never_patterns = tuple(re.compile(p) for p in curation.get("never", {}).get("patterns", []))
        rules.titles_may_match = frozenset(curation.get("never", {}).get("titles_may_match", []))
    except re.error as exc:
        raise SettingsError(f"{rules_dir / 'curation.toml'}: [never] patterns: {exc}; fix the expression") from None
    titles = gazetteer.get("titles", {})
    rules.title_heads = {t.lower() for t in titles.get("heads", [])}
    rules.academic_titles = {t.lower() for t in titles.get("academic", [])}
    metrics = _read_toml(rules_dir / "metrics.toml", required=False)
    for i, item in enumerate(metrics.get("metric", [])):
        if not isinstance(item.get("name"), str) or not isinstance(item.get("forms", []), list):
            raise SettingsError(f"{rules_dir / 'metrics.toml'}: metric[{i}] needs a 'name' and a list of 'forms'")
        rules.metrics[item["name"]] = tuple(f.lower() for f in item.get("forms", []))
    rules.unmapped_metrics = {f.lower() for f in metrics.get("unmapped", {}).get("forms", [])}
    rules.vocabulary = _read_toml(rules_dir / "vocabulary.toml", required=False)
    rules.chinese = _read_toml(rules_dir / "chinese.toml", required=False)
    return rules


def _read_toml(path: Path, required: bool = True) -> dict:
    """A rules file as a dict; the optional ones (older rules directories lack them) read as empty."""
    if not required and not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"{path}: rules file missing; restore it or point rules_dir elsewhere") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML ({exc}); fix the file and ingest again") from None


def _known_entity(item: dict, where: str, rules_dir: Path) -> KnownEntity:
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SettingsError(f"{rules_dir}: {where} needs a non-empty 'name'")
    type_ = item.get("type", "")
    _check_type(type_, where, rules_dir)
    aliases = tuple(a for a in item.get("aliases", []) if isinstance(a, str) and a.strip() and a != name)
    return KnownEntity(name=name.strip(), type=type_, aliases=aliases)


def _check_type(type_: str, where: str, rules_dir: Path) -> None:
    if type_ not in ENTITY_TYPES:
        raise SettingsError(f"{rules_dir}: {where} has type {type_!r}; use one of {', '.join(ENTITY_TYPES)}")


def name_key(name: str) -> str:
    """Normalise a name for comparison: lower case, single spaces, no possessive or edge punctuation."""
    name = re.sub(r"['’]s$", "", name.strip())
    return re.sub(r"\s+", " ", name.strip(" .,;:\"'()[]“”‘’")).lower()


@functools.lru_cache(maxsize=16384)
def pattern(source: str, flags: int = 0) -> re.Pattern:
    """A compiled pattern, kept: the rules build one per name, alias and speech verb, more than the 512 that
    `re` keeps, and a profile of the tune articles spent an eighth of the rules' time recompiling."""
    return re.compile(source, flags)
