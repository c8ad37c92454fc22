"""The only place that touches spaCy: articles in, plain `Extraction`s out."""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ..sources import Article
from .entities import (HONORIFICS, LABEL_TYPES, ORG_HEADS, Resolver, clean_name, cue_spans, find_paren_aliases,
                       before_an_analyst, fit_span, is_epithet, listed_as, named_by_company_noun, organisation_spans,
                       rating_follows, type_from_cues, type_of_siblings, work_spans)
from .figures import MODIFIER_SUFFIX, MONTHS, NUMBER_LABELS, dateline_ranges, extract_figures
from .model import ENTITY_TYPES, Entity, Extraction, Figure, Mention, Quote, Relation, Role, Sentence
from .nlp import build_pipeline, doc_ents, doc_text, verb_lemmatizer
from .pieces import PIECE_CHARS, extract_in_pieces
from .quotes import extract_quotes
from .relations import extract_relations
from .roles import extract_roles
from .rules import Rules, load_rules, pattern, rules_fingerprint

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

__all__ = ["Extractor", "Extraction", "Entity", "Mention", "Figure", "Role", "Quote", "Relation", "Sentence", "Rules",
           "load_rules", "rules_fingerprint", "ENTITY_TYPES", "build_pipeline"]

BATCH_SIZE = 8  # measured best on 2 cores (4-16); 64 is slower and peaks at 1.6 GB


class Extractor:
    """Holds the loaded pipeline and rules; turns articles into extractions."""

    def __init__(self, nlp: "Language", rules: Rules) -> None:
        self.nlp = nlp
        self.rules = rules
        self.lemma_of = verb_lemmatizer(nlp)

    @classmethod
    def load(cls, model: str, rules: Rules) -> "Extractor":
        return cls(build_pipeline(model, rules), rules)

    def extract(self, article: Article) -> Extraction:
        return next(iter(self.extract_many([article])))

    def extract_many(self, articles: Iterable[Article]) -> Iterator[Extraction]:
        """Extractions in article order; Chinese articles (`lang` "zh") go through the Chinese pipeline, which is
        loaded on the first one (the English path never pays for it)."""
        import itertools

        for chinese, group in itertools.groupby(articles, key=lambda a: a.lang == "zh"):
            yield from (self.chinese.extract_many(group) if chinese else self._extract_english(group))

    @property
    def chinese(self):
        """The Chinese pipeline (chinese.py), built on first use: jieba and opencc load only when needed."""
        if getattr(self, "_chinese", None) is None:
            from .chinese import ChineseExtractor

            self._chinese = ChineseExtractor(self.rules)
        return self._chinese

    def _extract_english(self, articles: Iterable[Article]) -> Iterator[Extraction]:
        pairs = ((article.body, article) for article in articles)
        for doc, article in self.nlp.pipe(_short(pairs), as_tuples=True, batch_size=BATCH_SIZE):
            if len(article.body) > PIECE_CHARS:  # extracted in pieces of paragraphs, offsets kept (see pieces.py)
                yield extract_in_pieces(article, self._extract_alone)
                continue
            yield doc_to_extraction(doc, article, self.rules, self.lemma_of)

    def _extract_alone(self, article: Article) -> Extraction:
        return doc_to_extraction(self.nlp(article.body), article, self.rules, self.lemma_of)


def extract_in_processes(model: str, rules_dir: str, articles: list[Article], workers: int,
                         timeout: float | None = None, extractor: "Extractor | None" = None) -> Iterator[Extraction]:
    """The same extractions as `Extractor.extract_many`, from `workers` child processes (each loads the model
    once, or inherits `extractor` when forked), each article under a time budget of `timeout` seconds per
    100,000 characters; those that fail are left out and listed in the iterator's `failures`.

    The processes start now, not on the first `next()`: call this before the slow set-up of a generation so
    that the model loads meanwhile. Close the iterator when done (see supervised.py).
    """
    from .supervised import Supervised

    return Supervised(articles, workers, timeout, model=model, rules_dir=rules_dir, extractor=extractor)


def _short(pairs: Iterable[tuple[str, Article]]) -> Iterator[tuple[str, Article]]:
    """Bodies that spaCy takes in one Doc; a long one passes as an empty text, to be extracted in pieces."""
    for text, article in pairs:
        yield (text if len(text) <= PIECE_CHARS else "", article)


def doc_to_extraction(doc: "Doc", article: Article, rules: Rules,
                      lemma_of: Callable[["Token"], str] | None = None) -> Extraction:
    """Convert one parsed Doc into plain data: sentences, resolved entities, mentions, figures, roles, quotes.

    `lemma_of` lemmatises the verbs relations and figures read (see `verb_lemmatizer`).
    """
    sentences = [_sentence(i, s.start_char, s.text) for i, s in enumerate(doc.sents)]
    starts = [s.start for s in sentences]

    def sentence_of(char: int) -> int:
        return max(0, bisect.bisect_right(starts, char) - 1)

    resolver = Resolver(rules)
    mentions = _mentions(doc, resolver, sentence_of)
    by_char = _mention_index(mentions)

    def entity_at(start: int, end: int) -> str | None:
        for pos in range(start, end):
            if pos in by_char:
                return by_char[pos]
        return None

    def entity_type(key: str) -> str:
        return resolver.entities[key].type

    outlets = rules.words("figures", "not_subjects")
    told = _as_sources(doc, mentions, rules)
    topics = {"<topic>": article_topic(article.title, told, resolver.entities, ignore=outlets),
              "<topic:Organization>": article_topic(article.title, told, resolver.entities, ("Organization",),
                                                    outlets)}
    topics["<topic:Organization>"] = topics["<topic:Organization>"] or topics["<topic>"]
    topics["<topic:employer>"] = _employer_topic(topics, mentions, article.title, resolver.entities)
    subject_heads, subject_phrases = _subjects(doc)
    refer = _referrer(mentions, entity_type, rules, topics, sentence_of, subject_heads, doc_text(doc))
    figures = _outside_titles(extract_figures(doc, sentence_of, entity_at, article.date, rules, refer, lemma_of),
                              mentions, resolver.entities)
    roles = extract_roles(article.body, mentions, entity_type, rules, sentence_of, refer, subject_phrases)
    quotes = extract_quotes(doc, mentions, entity_type, sentence_of, rules, refer)
    relations = extract_relations(doc, mentions, entity_at, entity_type, sentence_of, article.date, lemma_of)
    used = {m.entity for m in mentions}
    entities = {k: e for k, e in resolver.entities.items() if k in used}
    return Extraction(article=article, sentences=sentences, entities=entities, mentions=mentions,
                      figures=figures, roles=roles, quotes=quotes, relations=relations)


def article_topic(title: str, mentions: list[Mention], entities: dict[str, Entity],
                  types: tuple[str, ...] = ("Organization", "Product"), ignore: set[str] = frozenset()) -> str | None:
    """The organisation or product the article is about: the most mentioned one, its title counting three times
    (an earnings report names its company a dozen times; a feature names its platform in the title). News
    outlets (`ignore`, lower-case names) are never the topic: they are named in every dateline and credit."""
    counts: dict[str, float] = {}
    lowered = title.lower()
    for mention in mentions:
        entity = entities.get(mention.entity)
        if entity is not None and entity.type in types and entity.name.lower() not in ignore:
            counts[mention.entity] = counts.get(mention.entity, 0) + 1
    for key in counts:
        entity = entities[key]
        if any(name and pattern(rf"(?<!\w){re.escape(name.lower())}(?!\w)").search(lowered)
               for name in (entity.name, *entity.aliases)):
            counts[key] += 3
    if not counts:
        return None
    best = max(counts, key=lambda k: (counts[k], -min(m.start for m in mentions if m.entity == k)))
    return best if counts[best] >= 2 else None


def _outside_titles(figures: list[Figure], mentions: list[Mention], entities: dict[str, Entity]) -> list[Figure]:
    """A number inside a work's title is no figure: 'Ne Zha 2', 'Cyberpunk 2077', 'Produce 101'."""
    titles = [(m.start, m.end) for m in mentions
              if m.entity in entities and entities[m.entity].type == "CreativeWork"]
    return [f for f in figures if not any(s <= f.start and f.end <= e for s, e in titles)]


def _as_sources(doc: "Doc", mentions: list[Mention], rules: Rules) -> list[Mention]:
    """The mentions that name what the article is about, without those naming whose estimate it reports: the
    subject of an estimate verb ("Morningstar thinks", "Morningstar estimates") and "according to X". A research
    note names its author as often as the company it rates (tune 40: Morningstar 9 mentions, Meituan 8). A speech
    verb's subject stays: "DouYu said" is the company the article is about."""
    verbs = rules.words("figures", "source_verbs")
    text = doc_text(doc)
    kept = []
    for mention in mentions:
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        root = span.root if span is not None and len(span) else None
        if root is not None and root.dep_ == "nsubj" and (root.head.lower_ in verbs or _rates(root.head)) or \
                _ACCORDING_TO.search(text, max(0, mention.start - 60), mention.start):
            continue
        kept.append(mention)
    return kept


_RATING_OBJECTS = {"target", "targets", "objective", "objectives", "rating", "ratings", "estimate", "estimates",
                   "forecast", "forecasts"}


def _rates(verb) -> bool:
    """'HSBC lifted its price objective', 'Mizuho kept a buy rating': a broker rating a stock, not the company
    the note is about."""
    return any(c.dep_ == "dobj" and c.lower_ in _RATING_OBJECTS for c in verb.children)


def _employer_topic(topics: dict[str, str | None], mentions: list[Mention], title: str,
                    entities: dict[str, Entity]) -> str | None:
    """Whom a 'chief executive' with no organisation works for: the company the title names (the organisation
    before a product when both are there), else the organisation the article is about unless a product is named
    far more often than any company (then the product stands for its company, as in 'Soul's founder')."""
    overall, org = topics.get("<topic>"), topics.get("<topic:Organization>")
    if overall == org or org is None:
        return overall

    def names(key: str) -> list[str]:
        entity = entities.get(key)
        return [n.lower() for n in (entity.name, *entity.aliases) if n] if entity else []

    def in_title(key: str, text: str) -> "re.Match[str] | None":
        """Where the title names it as what it is about, not as a backer ('Tencent-backed Soul')."""
        found = [m for name in names(key) if (m := pattern(rf"(?<!\w){re.escape(name)}(?![\w-])").search(text))]
        return min(found, key=lambda m: m.start(), default=None)

    # 'NetEase' inside 'NetEase Cloud Music ...' is the product's name, not the company's
    without_product = title.lower()
    for name in sorted(names(overall), key=len, reverse=True):
        without_product = without_product.replace(name, " ")
    at_org, at_overall = in_title(org, without_product), in_title(overall, title.lower())
    if at_org and at_overall:
        # "Huya names two acting co-CEOs ..., ten weeks after Tencent installed a new chairman": the one the title
        # opens with is what it is about
        return org if at_org.start() <= at_overall.start() else overall
    if at_org:
        return org
    if at_overall:
        return overall
    count = {key: sum(m.entity == key for m in mentions) for key in (overall, org)}
    return org if count[org] * 2 >= count[overall] else overall


def _subjects(doc: "Doc") -> tuple[list[tuple[int, int, str] | None], list[tuple[int, int, str] | None]]:
    """Each sentence's main-clause subject as (start, end, text), None where the parse gives none, twice: up to
    its head word (what follows the head is a relative clause or an apposition: what references resolve
    against), and as the whole phrase ('The founder and president of WeChat': what a title-only subject says)."""
    heads: list[tuple[int, int, str] | None] = []
    whole: list[tuple[int, int, str] | None] = []
    for sent in doc.sents:
        # the subject nearest the verb: a dateline's "Aug 14" can be parsed as a subject too
        subjects = [t for t in sent.root.children if t.dep_ in ("nsubj", "nsubjpass")]
        subject = max((t for t in subjects if t.i < sent.root.i), key=lambda t: t.i, default=None) \
            or next(iter(subjects), None)
        if subject is None:
            heads.append(None)
            whole.append(None)
            continue
        for out, end in ((heads, subject.i), (whole, subject.right_edge.i)):
            span = doc[subject.left_edge.i:end + 1]
            out.append((span.start_char, span.end_char, span.text))
    return heads, whole


_ACCORDING_TO = re.compile(r"\b(?:according to|data from|figures from|a survey by|a report by)\s+(?:the\s+)?"
                           r"(?:[\w-]+\s+){0,3}\Z", re.IGNORECASE)


# 'Momo Inc. (Nasdaq: MOMO) ("Momo" or the "Company")': a press release defines "the Company" once, after the name
_DEFINED_COMPANY = re.compile(r"(?:,?\s+(?:Inc|Ltd|Corp|Co|Group|Holdings|Limited|Plc)\.?)?\s*"
                              r"(?:[(（][^()（）]{0,30}[)）]\s*)?[(（][^()（）]{0,60}?\b(?:the\s+)?[\"“]Company[\"”]\s*[)）]")


def _defined_company(text: str, ordered: list[Mention]) -> str | None:
    """The entity a press release defines as "the Company", if it does."""
    return next((m.entity for m in ordered if _DEFINED_COMPANY.match(text, m.end)), None)


def _referrer(mentions: list[Mention], entity_type: Callable[[str], str], rules: Rules,
              topics: dict[str, str | None] | None = None,
              sentence_of: Callable[[int], int] = lambda pos: 0,
              subjects: list[tuple[int, int, str] | None] = (), text: str = "") -> Callable[[int, str], str | None]:
    """`refer(pos, words)`: the entity a reference ("its", "the company", "he") at `pos` stands for, the nearest
    mention before it of a type the reference may stand for (rules/vocabulary.toml [reference]); `refer(pos,
    "<topic>")` is the article's topic, `"<topic:Organization>"` the organisation it is about."""
    references = {k.lower(): v for k, v in rules.vocabulary.get("reference", {}).items()}
    nouns = {n for group in rules.vocabulary.get("reference_nouns", {}).values() for n in group}
    outlets = rules.news_outlets()
    ordered = sorted(mentions, key=lambda m: m.start)
    # "According to QuestMobile, its monthly active users ...": the source of a statement is not what it is about
    sources = {m.start for m in ordered if _ACCORDING_TO.search(text, max(0, m.start - 40), m.start)}
    starts = [m.start for m in ordered]
    defined = _defined_company(text, ordered)

    def refer(pos: int, words: str) -> str | None:
        if words.startswith("<topic"):
            return (topics or {}).get(words)
        types = references.get(words.lower())
        if not types:
            return None
        if defined and words.lower() == "the company":
            return defined  # 'Momo Inc. ("Momo" or the "Company")': a press release's defined term
        # "the company" / "the group" is the organisation the article is about; "its" / "the platform" its topic
        if words in ("we", "our", "us"):
            return (topics or {}).get("<topic>")
        company_words = words.startswith("the ") and types[0] == "Organization"
        topic = (topics or {}).get("<topic:Organization>" if company_words else "<topic>")
        here = sentence_of(pos)
        if types == ["Place"]:  # "the country": the place named last, a paragraph or two back at most
            return next((m.entity for m in reversed(ordered[:bisect.bisect_left(starts, pos)])
                         if pos - m.end <= 1500 and entity_type(m.entity) == "Place"), None)
        if words in ("its", "their", "it") and 0 <= here < len(subjects) and subjects[here] \
                and subjects[here][1] <= pos:
            # "Rival JD.com said its transaction volume ...": the sentence's own subject before the topic
            own = [m for m in ordered[:bisect.bisect_left(starts, pos)] if subjects[here][0] <= m.start
                   and m.end <= subjects[here][1] and entity_type(m.entity) in types and m.start not in sources
                   and not MODIFIER_SUFFIX.match(text, m.end)]  # "The Netflix-like platform cut its loss"
            if own:
                return own[0].entity
        if "Person" in types:
            if words.lower() in ("he", "she"):
                chained = subject_person(here, pos)
                if chained is not None:
                    return chained
            for i in range(bisect.bisect_left(starts, pos) - 1, -1, -1):
                if pos - ordered[i].end > 1500:
                    break
                if entity_type(ordered[i].entity) in types:
                    return ordered[i].entity
            return None
        # An organisation or product: among those named earlier in this sentence and in the one before, the
        # article's topic, else the first one the sentence before names (its subject, mostly), else the
        # nearest; with none that close, the topic. News outlets never ("..., Bloomberg reported. Its ...").
        close = [m for m in ordered[:bisect.bisect_left(starts, pos)]
                 if m.sentence in (here, here - 1) and entity_type(m.entity) in types
                 and m.entity.split("/", 1)[-1].replace("-", " ") not in outlets and m.start not in sources
                 and not MODIFIER_SUFFIX.match(text, m.end)]
        if not close:
            return topic if topic and entity_type(topic) in types else None
        if topic in {m.entity for m in close}:
            return topic
        previous = [m for m in close if m.sentence == here - 1]
        if words in ("its", "their", "it") and previous and not [m for m in close if m.sentence == here]:
            found = subject_of(here - 1, previous, types, topic)
            if found is None and len({m.entity for m in previous}) > 1 and topic and entity_type(topic) in types \
                    and any(m.entity == topic and here - 3 <= m.sentence < here for m in ordered):
                # "Viewers watched 645 million hours on it, ahead of the sites of Tencent and Alibaba. Its founder
                # ...": the sentence before names several and none as its subject, and the topic was named just
                # before it (one name there is what "its" stands for: "The paper questioned Maoyan's panel. Its")
                found = topic
            return found or previous[0].entity
        if words in ("its", "their", "it") and 0 <= here < len(subjects) and subjects[here] \
                and subjects[here][1] <= pos:
            # "Weibo Corp, the microblog owned by Sina Corp, said it expects ...": the sentence's subject
            inside = [m for m in close if subjects[here][0] <= m.start and m.end <= subjects[here][1]]
            if inside:
                return inside[0].entity
        # the nearest of the type the words name first: "the app" is a product before it is a company
        for type_ in types:
            of_type = [m for m in close if entity_type(m.entity) == type_]
            if of_type:
                return of_type[-1].entity
        nearest = close[-1].entity
        return nearest

    def subject_person(here: int, pos: int) -> str | None:
        """'Chen, a graduate of Tsinghua, ... He spent ten years at Tencent before Su persuaded him ... As technology
        chief he was ...': 'he' / 'she' is the person the nearest sentence with a person as its main-clause subject
        is about, through subjects that are themselves 'he' / 'she'; None when no such sentence is close."""
        for index in range(here, max(-1, here - 4), -1):
            subject = subjects[index] if 0 <= index < len(subjects) else None
            if subject is None or (index == here and subject[1] > pos):
                continue
            start, end, phrase = subject
            inside = [m for m in ordered[bisect.bisect_left(starts, start):bisect.bisect_left(starts, end)]
                      if m.end <= end and entity_type(m.entity) == "Person"]
            if inside:
                return inside[0].entity
            if phrase.lower() not in ("he", "she"):
                return None
        return None

    def subject_of(index: int, named: list[Mention], types: list[str], topic: str | None) -> str | None:
        """'Its ...' at the start of a sentence stands for what the sentence before is about: the entity its
        subject names ('LinkedIn shut Chitu. Its China president'), the topic when its subject is itself a
        reference ('The service was launched by NetEase. Its then chief executive'); None when the subject
        names nothing (then the first name the sentence holds, as before)."""
        subject = subjects[index] if 0 <= index < len(subjects) else None
        if subject is None:
            return None
        start, end, text = subject
        inside = [m for m in named if start <= m.start and m.end <= end]
        if inside:
            return inside[0].entity
        words = text.lower().split()
        if topic and entity_type(topic) in types and words and (
                words == ["it"] or (words[0] in ("the", "this") and words[-1] in nouns)):
            return topic
        return None
    return refer


def _sentence(index: int, start: int, text: str) -> Sentence:
    """A sentence without the surrounding whitespace (paragraph breaks), offsets adjusted to match."""
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    return Sentence(index, start + lead, start + lead + len(body), body)


def _mentions(doc: "Doc", resolver: Resolver, sentence_of) -> list[Mention]:
    text = doc_text(doc)
    extra = organisation_spans(doc, resolver.rules.words("types", "organization_heads"))
    covered = {i for span in extra for i in range(span.start, span.end)}
    extra += [span for span in work_spans(doc, resolver.rules, resolver.alias_table)
              if not covered.intersection(range(span.start, span.end))]
    covered = {i for span in extra for i in range(span.start, span.end)}
    extra += [span for span in cue_spans(doc, resolver.rules) if not covered.intersection(range(span.start, span.end))]
    covered = {i for span in extra for i in range(span.start, span.end)}
    spans = [ent for ent in doc_ents(doc) if ent.label_ not in NUMBER_LABELS and ent.label_ in LABEL_TYPES
             and not covered.intersection(range(ent.start, ent.end))] + extra
    # People first, so that "Tang" or a net name later in the text can resolve to a full name.
    spans.sort(key=lambda e: (LABEL_TYPES[e.label_] != "Person", e.start))
    mentions: list[Mention] = []
    cued: set[str] = set()  # entities one of whose mentions was typed by the words around it
    paren_aliases = find_paren_aliases(doc)
    # a dateline names where the report was filed, and its agency: not what the article mentions
    filed_from = dateline_ranges(text)
    datelines = filed_from + [m.span() for m in _CREDIT_LINE.finditer(text)]
    # "(NASDAQ:BILI)": the symbol is no entity there, nor where the article uses it alone ("commented on BILI")
    tickers = set(_LISTED_AS.findall(text))
    spans = [_with_company_suffix(doc, text, ent) for ent in spans
             if not any(s <= ent.start_char < e for s, e in datelines)
             and (ent.label_ in ENTITY_TYPES or not _TICKER.search(text, max(0, ent.start_char - 24), ent.start_char))
             and not (ent.label_ not in ENTITY_TYPES and ent.text in tickers
                      and resolver.alias_table.get(ent.text.lower()) is None)]
    spans = [part for ent in spans if not is_epithet(doc, ent, resolver.rules, resolver.alias_table)
             for part in fit_span(doc, ent, resolver.rules.words("types", "organization_heads"),
                                  resolver.rules.words("types", "creative_heads"))]
    spans = [part for ent in spans for part in _split_possessive(doc, ent, resolver.alias_table)]
    spans = [part for ent in spans for part in _split_at_dashes(doc, ent)]
    spans = [part for ent in spans for part in _split_at_venue(doc, ent, resolver)]
    spans = [_with_hyphenated_given_name(doc, ent) for ent in spans]
    spans = [_with_first_name(doc, _product_feature(doc, ent, resolver.rules), resolver) for ent in spans]
    spans = sorted(_known_name_prefixes(doc, _place_prefixed_organisations(doc, spans, resolver.rules), resolver),
                   key=lambda e: (LABEL_TYPES.get(e.label_, e.label_) != "Person", e.start))  # people first, as above
    for ent in spans:
        if len(ent) == 1 and ent[0].tag_ in ("NN", "NNS") and ent.label_ not in ENTITY_TYPES:
            continue  # a capitalised common noun ("Groups are ..."), not a name
        label = _cued_label(ent, resolver.rules)
        if label == "PERSON" and len(ent.text.split()) == 1 and not _person_cue(ent, resolver.rules) \
                and resolver.alias_table.get(ent.text.lower()) is None \
                and not any(ent.text in e.name.split() for e in resolver.entities.values() if e.type == "Person"):
            continue  # one capitalised word the model calls a person ("Worldwide", "Mindhunter"): no cue, no name
        known_person = _short_name_of(ent.text, resolver) if len(ent.text.split()) == 1 else None
        if known_person is None and len(ent.text.split()) == 1:
            # "Han Shangyou reported to Zhang" with two Zhangs in the story: the one named last before it
            known_person = _last_person_named(ent.text, ent.start_char, mentions, resolver)
        entity = known_person or resolver.resolve(ent.text, label)
        if entity is None:
            continue
        if label != ent.label_ or any(ent.start == span.start and ent.end == span.end for span in extra):
            cued.add(entity.key)
        method, confidence = _mention_method(ent, extra, resolver)
        mentions.append(Mention(entity.key, ent.text, ent.start_char, ent.end_char, sentence_of(ent.start_char),
                                method, confidence))
        if entity.type == "Person" and ent.start in paren_aliases:
            resolver.add_alias(entity.key, paren_aliases[ent.start])
    mentions = _drop_nested(mentions + _dateline_places(text, filed_from, resolver, sentence_of))
    # Re-resolve spans that became local aliases after they were first seen ("Dangwang" labelled a place).
    fixed = []
    for m in mentions:
        key = resolver.local_alias.get(m.text.strip().lower())
        fixed.append(Mention(key, m.text, m.start, m.end, m.sentence, "rule: local alias", 0.7) if key else m)
    fixed = _one_type_per_name(fixed, resolver, cued)
    _add_unlabelled_aliases(text, resolver, fixed, sentence_of)
    _add_short_names(text, resolver, fixed, sentence_of)
    return sorted(fixed, key=lambda m: m.start)


# "WUZHEN, Zhejiang, Nov. 22, 2016 -": the places come before the date, the agency ("(Reuters)", "/PRNewswire/")
_DATELINE_END = re.compile(r"[(/\d]|[-–—]\s|\s[A-Z][a-z]{2,8}\.?\s+\d")


def _dateline_places(text: str, datelines: list[tuple[int, int]], resolver: Resolver, sentence_of) -> list[Mention]:
    """The places a dateline names: where the report was filed is a place of the article (the gold convention of
    the tune fixtures, 15 of 19 datelines), though never what its figures are about (figures ignore datelines)."""
    found = []
    for start, end in datelines:
        stop = _DATELINE_END.search(text, start, end)
        offset = start
        for part in text[start:stop.start() if stop else end].split(","):
            name, at = part.strip(" .-–—"), offset + len(part) - len(part.lstrip())  # "WUHAN --": no dash
            offset += len(part) + 1
            if not name or name.split()[0].lower().rstrip(".") in MONTHS:
                continue
            entity = resolver.resolve(name.title() if name.isupper() else name, "GPE")
            if entity is not None and entity.type == "Place":
                found.append(Mention(entity.key, name, at, at + len(name), sentence_of(at), "rule: dateline", 0.9))
    return found


def _one_type_per_name(mentions: list[Mention], resolver: Resolver, cued: set[str]) -> list[Mention]:
    """One name is one entity in an article: 'Jianying' a place in the headline and an app in the body is the
    app. The gazetteer's type wins, then a type the words around a mention gave it ('the Japanese figure skater'),
    then the type most mentions have; with none of these (a tie of the model's guesses) both stay."""
    by_name: dict[str, dict[str, int]] = {}
    for m in mentions:
        entity = resolver.entities.get(m.entity)
        if entity is not None:
            counts = by_name.setdefault(entity.name.lower(), {})
            counts[m.entity] = counts.get(m.entity, 0) + 1
    moved: dict[str, str] = {}
    for name, keys in by_name.items():
        if len(keys) < 2:
            continue
        known = resolver.alias_table.get(name)
        ranked = sorted(keys, key=lambda k: (known is not None and resolver.entities[k].type == known.type,
                                             k in cued, keys[k]), reverse=True)
        best, second = ranked[0], ranked[1]
        if (known is not None and resolver.entities[best].type == known.type) or (best in cued) != (second in cued) \
                or keys[best] > keys[second]:
            moved.update({k: best for k in keys if k != best})
    for key, best in moved.items():
        resolver.entities[best].aliases.update(resolver.entities[key].aliases)
        del resolver.entities[key]
        for alias, target in list(resolver.local_alias.items()):
            if target == key:
                resolver.local_alias[alias] = best
    return [replace(m, entity=moved.get(m.entity, m.entity)) for m in mentions]


# "Reporting by X; Editing by Y", "By X Bureau, Hong Kong", "Photo: X": a credit line names no entity of the story
# (a paragraph that opens "Photo sharing service Instagram, ..." is no credit: a colon, "by", "credit" or "courtesy")
_CREDIT_LINE = re.compile(r"(?m)^[ \t]*\(?(?:(?:Additional )?(?:Reporting|Editing|Writing|Written|Edited|Compiled|"
                          r"Translated)(?: and \w+)? by\b|By [A-Z][^\n]{0,80}$|(?:Photo|Image|Photograph)s?"
                          r"(?:\s+(?:by|credit|courtesy)\b|\s*:))"
                          r"[^\n]*")
# "(Nasdaq: DOYU)", "under the symbol SSR": a ticker right before the name
_TICKER = re.compile(r"(?:(?:Nasdaq|NASDAQ|NYSE|HKEX|SEHK|HK)\s*:\s*|\bsymbol\s+|\bticker\s+)\Z")
_LISTED_AS = re.compile(r"\b(?:Nasdaq|NASDAQ|NYSE|HKEX|SEHK)\s*:\s*([A-Z]{2,6})\b")
_COMPANY_SUFFIX = re.compile(r"(?:,?\s+(?:Co\.,?\s*)?(?:Ltd\.?|Limited|Inc\.?|Corp\.?|Corporation|PLC|plc|LLC|"
                             r"Co\.))+")


_OF_NAME = re.compile(r" of (?:the )?[A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,3}")
_OF_HEADS = {"university", "institute", "academy", "bank", "ministry", "administration", "commission", "association",
             "federation", "council", "chamber", "bureau", "school", "college", "museum", "society", "center",
             "centre", "department", "office", "people's", "congress", "court", "agency", "authority", "board"}


def _split_possessive(doc: "Doc", ent, known: dict) -> list:
    """'Yahoo's Tumblr', 'Valve's Steam': an owner and what it owns, two names, when one of them is a name we
    know ('People's Daily' and 'Moody's' stay whole)."""
    match = re.search(r"['’]s\s+(?=[A-Z])", ent.text)
    if match is None or ent.label_ in ("PERSON", "Person") or match.start() == 0 or ent.text.lower() in known:
        return [ent]
    if ent.text[:match.start()].lower() not in known and ent.text[match.end():].lower() not in known:
        return [ent]
    owner = doc.char_span(ent.start_char, ent.start_char + match.start(), label=ent.label_)
    owned = doc.char_span(ent.start_char + match.end(), ent.end_char, label=ent.label_)
    return [part for part in (owner, owned) if part is not None] or [ent]


def _with_company_suffix(doc: "Doc", text: str, ent):
    """The rest of a name the model cut short: an organisation's legal form ('Beijing Douwang Technology' + ' Co.,
    Ltd.'), an 'of' name ('Communication University' + ' of China'), and title-case words that go on the name
    ('Alexa' + ' Internet', 'Half-Year Report' + ' 2024') -- never a title or a verb ('Tencent Vice President')."""
    if ent.label_ in ("PERSON", "GPE", "LOC", "NORP") or ent.label_ in ENTITY_TYPES and ent.label_ != "Organization":
        return ent
    end = ent.end_char
    match = _COMPANY_SUFFIX.match(text, end) if ent.label_ in ("ORG", "Organization") else None
    if match:
        end = match.end()
    elif ent.text.split()[-1].lower() in _OF_HEADS and (of := _OF_NAME.match(text, end)):
        end = of.end()
    else:
        j = ent.end
        while j < len(doc) and j - ent.end < 3 and _continues_name(doc[j]):
            j += 1
        if j < len(doc) and doc[j].like_num and doc[j - 1].lower_ in ("report", "list", "index", "survey") \
                and len(doc[j]) == 4:
            j += 1  # "... Half-Year Report 2024"
        end = doc[j - 1].idx + len(doc[j - 1]) if j > ent.end else end
    if end == ent.end_char:
        return ent
    longer = doc.char_span(ent.start_char, end, label=ent.label_, alignment_mode="contract")
    return longer if longer is not None and len(longer) >= len(ent) else ent


# "Hong Kong stock exchange", "Haidian District court": a place and a lower-case organisation noun are one name
_PLACE_ORGANISATION = re.compile(r"\s+(?:district\s+|intermediate\s+|higher\s+)?(?:people's\s+)?"
                                 r"(?:stock exchange|court|internet court|people's court)\b", re.IGNORECASE)


def _place_prefixed_organisations(doc: "Doc", spans: list, rules: Rules) -> list:
    """A place the model split from the organisation it names ('Guangzhou' + 'Intellectual Property Court',
    'Fujian' + 'Higher People's Court', 'Hong Kong' + 'stock exchange') becomes one organisation."""
    from spacy.tokens import Span

    heads = rules.words("types", "organization_heads") | {"university", "court"}
    text = doc.text
    ordered = sorted(spans, key=lambda e: e.start)
    out, skip = [], set()
    for i, ent in enumerate(ordered):
        if i in skip:
            continue
        is_place = LABEL_TYPES.get(ent.label_, ent.label_) == "Place"
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        if is_place and nxt is not None and nxt.start == ent.end \
                and LABEL_TYPES.get(nxt.label_, nxt.label_) == "Organization" \
                and nxt[-1].lower_ in heads and len(nxt) >= 2:
            out.append(Span(doc, ent.start, nxt.end, label="ORG"))
            skip.add(i + 1)
            continue
        lower = _PLACE_ORGANISATION.match(text, ent.end_char) if is_place or ent.label_ == "NORP" else None
        if lower:
            merged = doc.char_span(ent.start_char, lower.end(), label="ORG", alignment_mode="expand")
            if merged is not None and not any(o is not ent and o.start < merged.end and merged.start < o.end
                                              and o.start >= ent.end for o in ordered):
                out.append(merged)
                continue
        out.append(ent)
    return out


_REGIONS = {"china", "greater china", "asia", "asia pacific", "southeast asia", "europe", "america", "north america",
            "japan", "india", "korea", "us", "u.s.", "uk", "international", "global"}


def _known_name_prefixes(doc: "Doc", spans: list, resolver: Resolver) -> list:
    """A known product's name right before a name the model found on its own is part of it: 'WeChat' + 'Open
    Class Pro', 'WeChat' + 'Business Group' (never two known names: 'Tencent' + 'WeChat')."""
    from spacy.tokens import Span

    ordered = sorted(spans, key=lambda e: e.start)
    out, skip = [], set()
    for i, ent in enumerate(ordered):
        if i in skip:
            continue
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        if ent.label_ in ("Organization", "Product") and nxt is not None and nxt.start == ent.end \
                and LABEL_TYPES.get(nxt.label_) == "Place" and nxt.text.lower() in _REGIONS:
            # "ByteDance China", "Steam China", "LinkedIn China's": a company's or a service's regional arm
            out.append(Span(doc, ent.start, nxt.end, label=ent.label_))
            skip.add(i + 1)
            continue
        if ent.label_ == "Product" and nxt is not None and nxt.start == ent.end \
                and LABEL_TYPES.get(nxt.label_) in ("Organization", "Event", "Product") \
                and resolver.alias_table.get(nxt.text.lower()) is None \
                and not ent.sent.text.istitle():
            out.append(Span(doc, ent.start, nxt.end, label=nxt.label_))
            skip.add(i + 1)
            continue
        out.append(ent)
    return out


def _product_feature(doc: "Doc", ent, rules: Rules):
    """A known product's name and the title-case words after it name a feature or an edition of it, a product
    of its own: 'Weibo' + ' Stories', 'Douyin' + ' Huoshan Version', 'Tencent' + ' Musician Platform'."""
    if ent.label_ not in ("Product", "Organization") or ent.end >= len(doc):
        return ent
    j = ent.end
    while j < len(doc) and j - ent.end < 4 and _continues_name(doc[j]) and doc[j].lower_ not in _CALENDAR:
        j += 1
        if j + 1 < len(doc) and doc[j].text == "-" and not doc[j - 1].whitespace_ and not doc[j].whitespace_ \
                and doc[j + 1].is_title:
            j += 2  # "iQiyi All-Star Carnival": a hyphenated word is one word of the name
    if j < len(doc) and doc[j].text == "-" and not doc[j - 1].whitespace_:
        return ent  # the name would end inside a hyphenated word
    org_heads = rules.words("types", "organization_heads") | ORG_HEADS
    closing = j < len(doc) and doc[j].is_title and not doc[j].is_sent_start and (
        doc[j].lower_ in rules.words("types", "product_cues") or doc[j].lower_ in org_heads
        or doc[j].lower_ in rules.words("types", "event_heads"))
    if closing:
        j += 1  # "Tencent Musician Platform", "Weixin Group"
    elif ent.label_ != "Product" or j == ent.end:
        return ent
    if j < len(doc) and doc[j].is_title and not doc[j].is_stop or doc[ent.start:j].sent.text.istitle():
        return ent  # a headline in title case ("QQ Group Open Platform Strategy Leads ...")
    last = doc[j - 1].lower_
    label = "ORG" if last in org_heads else "EVENT" if last in rules.words("types", "event_heads") else "PRODUCT"
    longer = doc.char_span(ent.start_char, doc[j - 1].idx + len(doc[j - 1]), label=label)
    return longer if longer is not None else ent


_CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
             "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}


def _with_first_name(doc: "Doc", ent, resolver: Resolver):
    """A person's name the model cut at its first word ('Ivy' + 'Shen' at the start of a sentence): one
    capitalised proper noun just before it that is no title, no entity and no known name joins it."""
    if ent.label_ != "PERSON" or ent.start == 0 or len(ent) > 2:
        return ent
    token = doc[ent.start - 1]
    words = resolver.rules.title_heads | resolver.rules.words("titles", "modifiers")
    if token.ent_type_ or token.pos_ != "PROPN" or not token.is_title or not token.text.isalpha() \
            or token.lower_ in _NOT_NAME_WORDS or token.lower_ in words or token.is_stop or token.lower_ in HONORIFICS \
            or token.lower_ in resolver.alias_table:
        return ent
    longer = doc.char_span(token.idx, ent.end_char, label=ent.label_)
    return longer if longer is not None else ent


def _split_at_dashes(doc: "Doc", ent) -> list:
    """A spaced dash ends a name: the model read 'TFboys - Jackson Yee' and 'Roy Wang - among' as one person.
    A person's name keeps no lower-case word at its ends."""
    from spacy.tokens import Span

    parts, start = [], ent.start
    for i in range(ent.start, ent.end + 1):
        if i == ent.end or doc[i].text in ("-", "–", "—") and doc[i - 1].whitespace_ and doc[i].whitespace_:
            if i > start:
                parts.append((start, i))
            start = i + 1
    for n, (a, b) in enumerate(parts):  # "He Jiong 何炅 - 113": the Chinese name after the Latin one is not part of it
        if doc[a].text.isascii():
            while b > a + 1 and not doc[b - 1].text.isascii():
                b -= 1
            parts[n] = (a, b)
    if ent.start >= 2 and doc[ent.start - 1].text in ('"', "“", "'", "‘") \
            and doc[ent.start - 2].lower_ in ("nicknamed", "dubbed", "called", "named", "as"):
        return []  # 'nicknamed "Nana"': another name of someone already named, not an entity of its own
    if ent.start >= 2 and doc[ent.start - 1].lower_ in ("name", "nickname", "alias", "handle", "pseudonym") \
            and doc[ent.start - 2].lower_ in ("the", "a", "his", "her", "pen", "stage", "screen", "net") \
            and ent.label_ != "ORG":
        return []  # 'works under the name Jiaozi', 'the stage name Angelababy': another name of a person
    if len(parts) == 1 and parts[0] == (ent.start, ent.end) and ent.label_ != "PERSON":
        return [ent]
    out = []
    for a, b in parts:
        while a < b and (doc[a].is_space or doc[a].is_punct or ent.label_ == "PERSON" and doc[a].is_lower):
            a += 1
        while b > a and (doc[b - 1].is_space or doc[b - 1].is_punct or ent.label_ == "PERSON" and doc[b - 1].is_lower):
            b -= 1
        if b > a and any(ch.isalnum() for ch in doc[a:b].text):
            out.append(Span(doc, a, b, label=ent.label_))
    return out


def _with_hyphenated_given_name(doc: "Doc", ent):
    """'Chang Chen-yue', 'Lin Chi-ling', 'Wong Kar-wai': the model stops a person's name at the hyphen."""
    from spacy.tokens import Span

    end = ent.end
    while ent.label_ == "PERSON" and end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_ \
            and not doc[end].whitespace_ and doc[end + 1].is_lower and doc[end + 1].is_alpha and len(doc[end + 1]) <= 5:
        end += 2
    return ent if end == ent.end else Span(doc, ent.start, end, label=ent.label_)


def _split_at_venue(doc: "Doc", ent, resolver: Resolver) -> list:
    """'Happy Camp on Hunan TV', 'a gala at Zhejiang Satellite TV': the model ran a work or an event on into the
    organisation it airs on. Split where the part after 'on' / 'at' is an organisation by its head word
    ('... TV') or by the gazetteer."""
    from spacy.tokens import Span

    if ent.label_ not in ("WORK_OF_ART", "EVENT", "ORG", "PRODUCT") or len(ent) < 3:
        return [ent]
    heads = resolver.rules.words("types", "organization_heads")
    for token in ent[1:-1]:
        if token.lower_ in ("on", "at") and token.is_lower and doc[token.i + 1].is_title:
            tail = doc[token.i + 1:ent.end]
            known = resolver.alias_table.get(tail.text.lower())
            if tail[-1].lower_ in heads or known is not None and known.type == "Organization":
                return [Span(doc, ent.start, token.i, label=ent.label_), Span(doc, tail.start, tail.end, label="ORG")]
    return [ent]


_NOT_NAME_WORDS = {"vice", "president", "chairman", "chief", "ceo", "cfo", "coo", "cto", "founder", "co-founder",
                   "executive", "director", "head", "analyst", "said", "says", "app", "platform", "group", "inc",
                   "the", "and", "of", "in", "on", "for", "to", "a", "an"}


def _continues_name(token) -> bool:
    return (not token.ent_type_ and token.is_title and token.text.isalpha() and not token.is_sent_start
            and token.lower_ not in _NOT_NAME_WORDS and token.pos_ == "PROPN")


def _last_person_named(word: str, before: int, mentions: list[Mention], resolver: Resolver):
    word = word.strip(" .,;:'’")
    if resolver.alias_table.get(word.lower()) is not None:
        return None
    people = [m for m in mentions if m.start < before and m.entity in resolver.entities
              and resolver.entities[m.entity].type == "Person" and len(resolver.entities[m.entity].name.split()) > 1
              and word in resolver.entities[m.entity].name.split()]
    return resolver.entities[max(people, key=lambda m: m.start).entity] if people else None


def _short_name_of(word: str, resolver: Resolver):
    """'Wang' (whatever the model labelled it) after 'Wang Gaofei', when no other person shares the word."""
    word = word.strip(" .,;:'’")
    people = [e for e in resolver.entities.values() if e.type == "Person" and len(e.name.split()) > 1
              and word in (e.name.split()[0], e.name.split()[-1])]
    return people[0] if len(people) == 1 and resolver.alias_table.get(word.lower()) is None else None


def _person_cue(ent, rules: Rules) -> bool:
    """A lone capitalised word is a person's name only beside a title or a speech verb ('sociologist Rigold',
    'Rigold said', 'Rigold, a sociologist')."""
    doc = ent.doc
    speech = rules.words("speech", "verbs")
    before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
    after = [t.lower_ for t in doc[ent.end:ent.end + 5]]
    return (before in rules.title_heads or before in speech or bool(after) and after[0] in speech
            or bool(after) and after[0] == "," and any(w in rules.title_heads for w in after[1:]))


def _cued_label(ent, rules: Rules) -> str:
    """The model's label, corrected by the shape of the name and the words beside it (rules/vocabulary.toml
    [types]): '... Conference' is an event, '... Securities' an organisation, 'the Yizhibo app' a product,
    'analyst at Sinoscope' an organisation. Gazetteer labels stand."""
    label = ent.label_
    words = ent.text.lower().rstrip(".").split()
    if label in ("Organization", "Product") and len(words) > 1 and words[-1] in rules.words("types", "event_heads") \
            and words[-1] not in rules.words("types", "organization_heads") \
            and clean_name(ent.text).lower() not in rules.alias_table():
        return "EVENT"  # "GeekPark Innovation Festival": a known organisation's name opens the event's
    if label in ENTITY_TYPES or LABEL_TYPES.get(label) is None:
        return label
    if label in ("PERSON", "ORG", "NORP") and len(words) > 1 and words[-1] in rules.words("types", "place_heads"):
        return "LOC"  # "Victoria Harbour", "Kowloon Peninsula", "Nanjing Road": a place by its head word
    listed = listed_as(ent.doc, ent.start, ent.end, rules.class_nouns())
    if listed is not None:
        return listed  # "brands such as Lancôme and Louis Vuitton" (the model called them people)
    if label == "PERSON" and _title_follows(ent, rules):
        return label  # "at the anniversary of Bilibili, Chen Rui, Chairman and CEO, shared": a person, not a list
    siblings = type_of_siblings(ent.doc, ent.start, ent.end)
    if siblings is not None and label in ("PERSON", "GPE", "NORP", "LOC", "FAC", "ORG", "PRODUCT", "WORK_OF_ART"):
        return siblings  # "Morgan Stanley, Jefferies, BofA Securities and CICC"
    cued = type_from_cues(ent.doc, ent.start, ent.end, rules)
    person_words = label == "PERSON" and cued == "Organization" and not (
        ent.end < len(ent.doc) and ent.doc[ent.end].lower_ in rules.words("types", "organization_after")
        or before_an_analyst(ent.doc, ent.start, ent.end) or named_by_company_noun(ent.doc, ent.start, ent.end, rules))
    if cued is not None and not person_words:  # "Wang, an investor" stays a person
        return cued  # "Jimu, a smaller matching app", "Smartisan founder", "the Laiwang app"
    last = words[-1] if words else ""
    if last in rules.words("types", "event_heads") or (len(words) > 1 and any(w in rules.words("types", "event_heads")
                                                                            for w in words[1:] if w == "games")):
        return "EVENT"
    if (last in rules.words("types", "creative_heads") or len(words) > 2 and re.fullmatch(r"(?:19|20)\d\d", last)
            and words[-2] in rules.words("types", "creative_heads")) and len(words) > 1 \
            and ent.text.split()[-1 if not last.isdigit() else -2][:1].isupper():
        return "WORK_OF_ART"  # "China Mobile Internet Q1 2020 Report", "Forbes Real-Time Billionaire Index"
    if last in rules.words("types", "organization_heads") and len(words) > 1:
        return "ORG"
    doc = ent.doc
    before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
    after = doc[ent.end].lower_ if ent.end < len(doc) else ""
    two_before = doc[ent.start - 2].lower_ if ent.start > 1 else ""
    if label in ("ORG", "GPE", "NORP", "FAC", "PRODUCT") and 2 <= len(words) <= 3 \
            and all(w[:1].isupper() for w in ent.text.split()) \
            and (before in rules.title_heads or before == "," and two_before in rules.title_heads):
        return "PERSON"  # "its founder, Ah Bei", "the comedian Mike Sui"
    if label in ("GPE", "LOC", "FAC", "NORP") and 2 <= len(words) <= 3 and all(w[:1].isupper() for w in ent.text.split()) \
            and (before in rules.words("speech", "verbs") or _title_follows(ent, rules) or rating_follows(ent, rules)):
        return "PERSON"  # "said Lina Park", "Lincoln Kong, an analyst at ..." (the model called them places)
    who = ent.end + 1 < len(doc) and doc[ent.end].text == "," and doc[ent.end + 1].lower_ == "who"
    if label in ("GPE", "LOC", "FAC", "NORP", "ORG") and 2 <= len(words) <= 3 and who \
            and all(w[:1].isupper() for w in ent.text.split()) and words[-1] not in ORG_HEADS \
            and words[-1] not in rules.words("types", "organization_heads"):
        return "PERSON"  # "Han Shangyou, who reported to Zhang": 'who' is said of people
    if (after in rules.words("types", "product_cues") or before in rules.words("types", "product_cues")) \
            and label != "PERSON":
        return "PRODUCT"
    if before in ("at", "of", "for") and ent.start > 1 and doc[ent.start - 2].lower_ in rules.words("types", "organization_cues") \
            and label in ("GPE", "LOC", "FAC", "PERSON", "NORP", "PRODUCT", "WORK_OF_ART"):
        return "ORG"
    return label


def _title_follows(ent, rules: Rules) -> bool:
    """', [a|an|the] <title words> <title head>' right after the name."""
    doc = ent.doc
    if ent.end >= len(doc) or doc[ent.end].text != ",":
        return False
    words = [t.lower_ for t in doc[ent.end + 1:ent.end + 6]]
    while words and words[0] in ("a", "an", "the"):
        words = words[1:]
    for n, word in enumerate(words):
        if word in rules.title_heads:
            return True
        if word not in rules.words("titles", "modifiers"):
            return False
    return False


def _mention_method(ent, extra: list, resolver: Resolver) -> tuple[str, float]:
    """How a span was found, and how far that way of finding names is trusted (measured on the tune fixtures:
    gazetteer names are right nearly always, the model's labels in this domain about three times in four)."""
    if any(ent.start == span.start and ent.end == span.end for span in extra):
        return f"rule: {ent.label_} by the shape of the name or the words beside it", 0.6
    if ent.label_ in ENTITY_TYPES:
        return "gazetteer", 0.95
    if clean_name(ent.text).lower() in resolver.alias_table:
        return f"model: NER {ent.label_}; gazetteer name", 0.9
    return f"model: NER {ent.label_}", 0.7


def _add_short_names(text: str, resolver: Resolver, mentions: list[Mention], sentence_of) -> None:
    """'Wang said' after 'Wang Gaofei': a person's family or given name alone, where no other person of the
    article shares it and it names nothing else we know, is a mention of that person (case-sensitive)."""
    people = [e for e in resolver.entities.values() if e.type == "Person" and len(e.name.split()) in (2, 3)]
    owners: dict[str, set[str]] = {}
    for person in people:
        for part in (person.name.split()[0], person.name.split()[-1]):
            if len(part) >= 2 and part[0].isupper() and part.isalpha():
                owners.setdefault(part, set()).add(person.key)
    taken = _mention_index(mentions)
    known = resolver.alias_table
    for part, keys in owners.items():
        if len(keys) != 1 or part.lower() in known or part.lower() in resolver.rules.never:
            continue
        key = next(iter(keys))
        for match in pattern(rf"(?<![\w-]){re.escape(part)}(?![\w-])").finditer(text):
            if match.start() not in taken:
                mentions.append(Mention(key, part, match.start(), match.end(), sentence_of(match.start()),
                                        "rule: short name of a person named before", 0.7))


def _add_unlabelled_aliases(text: str, resolver: Resolver, mentions: list[Mention], sentence_of) -> None:
    """Local aliases the model did not label at all still count as mentions."""
    taken = _mention_index(mentions)
    for alias, key in resolver.local_alias.items():
        for match in pattern(rf"\b{re.escape(alias)}\b", re.IGNORECASE).finditer(text):
            if match.start() not in taken:
                mentions.append(Mention(key, match.group(0), match.start(), match.end(), sentence_of(match.start()),
                                        "rule: local alias", 0.7))


def _drop_nested(mentions: list[Mention]) -> list[Mention]:
    mentions = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for m in mentions:
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


def _mention_index(mentions: list[Mention]) -> dict[int, str]:
    return {pos: m.entity for m in mentions for pos in range(m.start, m.end)}
