"""Roles: person -> title -> organisation, from the words around a person's name."""

from __future__ import annotations

import re
from typing import Callable

from .model import Mention, Role
from .rules import Rules

# Words that end a title search to the left of a name.
_STOP_WORDS = {"and", "or", "as", "well", "with", "by", "of", "to", "said", "says", "that", "when", "while", "including",
               "is", "was", "are", "were", "in", "at", "on", "from", "like", "such"}


def extract_roles(text: str, mentions: list[Mention], entity_type: Callable[[str], str], rules: Rules,
                  sentence_of: Callable[[int], int]) -> list[Role]:
    """Titles before a name ("Tencent's vice president Yin Yu") or after it ("Tom Tang, Senior VP of Tencent")."""
    roles: list[Role] = []
    orgs = [m for m in mentions if entity_type(m.entity) == "Organization"]
    # "Weibo CEO Wang Gaofei": a product's name can stand for the company that runs it, before a title
    employers = [m for m in mentions if entity_type(m.entity) in ("Organization", "Product")]
    seen: set[tuple[str, str, str | None]] = set()
    for mention in mentions:
        if entity_type(mention.entity) != "Person":
            continue
        found = _title_before(text, mention, orgs, employers, rules) or _title_after(text, mention, employers, rules)
        if found is None:
            continue
        title, org, start, end = found
        academic = any(title.lower().endswith(t) for t in rules.academic_titles)
        key = (mention.entity, title.lower(), org)
        if key in seen:
            continue
        seen.add(key)
        roles.append(Role(person=mention.entity, title=title, organization=org, academic=academic,
                          sentence=sentence_of(mention.start), start=start, end=end))
    return roles


def _title_head(words: list[str], rules: Rules) -> bool:
    tail2 = " ".join(words[-2:]).lower()
    return bool(words) and (words[-1].lower() in rules.title_heads or tail2 in rules.title_heads)


def _title_before(text: str, mention: Mention, orgs: list[Mention], employers: list[Mention], rules: Rules):
    """Scan left of the name: [Org['s]] [title words] Name."""
    left = text[max(0, mention.start - 120):mention.start]
    left = re.split(r"[.;:!?\"“”()\n]|,\s", left)[-1]
    words = left.split()
    if not _title_head(words, rules):
        return None
    title_words: list[str] = []
    org_key = None
    consumed = 0
    for word in reversed(words):
        bare = word.rstrip(",")
        if bare.lower() in _STOP_WORDS:
            break
        consumed += len(word) + 1
        if bare.endswith(("'s", "’s")):
            org_key = _org_ending_near(orgs, mention.start - consumed + len(bare) - 2)
            if org_key is None:
                title_words.insert(0, bare)
            break
        title_words.insert(0, bare)
    title_start = mention.start - consumed
    if org_key is None:
        # "Tencent Vice President Yin Yu", "Tsinghua University professor Shen Yang": an org opening the title
        for org in employers:
            if title_start - 2 <= org.start < mention.start and org.end < mention.start:
                org_key = org.entity
                title_words = text[org.end:mention.start].split()
                break
    title_words = [w for w in title_words if w.lower() not in ("the", "a", "an")]
    if not title_words or not _title_head(title_words, rules):
        return None
    return _normal_title(" ".join(title_words)), org_key, max(0, title_start), mention.end


def _title_after(text: str, mention: Mention, orgs: list[Mention], rules: Rules):
    """'Name, [the] title of [the] Org' or 'Name, Org title'."""
    right = text[mention.end:mention.end + 140]
    match = re.match(r"(?:\s*\([^)]*\))?,\s+(?:the\s+|a\s+)?([A-Za-z][\w\- ]{1,60}?)\s+(?:of|at)\s+(?:the\s+)?", right)
    if match:
        title = match.group(1)
        if _title_head(title.split(), rules):
            org_start = mention.end + match.end()
            org = next((o for o in orgs if abs(o.start - org_start) <= 1), None)
            return _normal_title(title), org.entity if org else None, mention.start, org.end if org else org_start
    return None


def _org_ending_near(orgs: list[Mention], end: int) -> str | None:
    for org in orgs:
        if abs(org.end - end) <= 1:
            return org.entity
    return None


def _normal_title(title: str) -> str:
    """Titles are stored in lower case unless they are acronyms ('CEO')."""
    return " ".join(w if w.isupper() and len(w) <= 4 else w.lower() for w in title.split())
