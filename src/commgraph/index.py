"""The Whoosh full-text index: schema, per-article documents, and safe keyword search with highlights and facets."""

from __future__ import annotations

import functools
import inspect
import itertools
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from markupsafe import escape
from whoosh import highlight, index, qparser
from whoosh.analysis import BiWordFilter, StemFilter
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.qparser import syntax
from whoosh.query import And, Every, Or, Query, Term, TermRange

from .analysis import ChineseAwareAnalyzer, HighlightTokens, has_han, warm_up
from .errors import QueryError
from .facts import ENTITY_TYPES, Extraction
from .postings import PAIR_SEPARATOR, Postings
from .search_budget import SearchSession

MAX_QUERY_CHARS = 500
TYPE_FIELDS = {t.lower(): t for t in ENTITY_TYPES}  # person:"..." organization:"..." ...


class WordPairs(BiWordFilter):
    """Whoosh's BiWordFilter, except that a text with no words (empty, or only stop words) gives no tokens:
    Whoosh's own raises UnboundLocalError then."""

    def __call__(self, tokens):
        tokens = iter(tokens)
        first = next(tokens, None)
        if first is None:
            return iter(())
        return super().__call__(itertools.chain([first], tokens))


def make_schema(words: tuple[str, ...] = ()) -> Schema:
    """The index schema; `words` are extra dictionary words for segmenting Chinese (gazetteer names)."""
    # English exactly as Whoosh's StemmingAnalyzer; Chinese runs segmented by jieba (analysis.py).
    analyzer = ChineseAwareAnalyzer(words)
    # Word pairs stand in for positions: a phrase is every consecutive pair of its words (postings.py), term
    # lookups instead of Whoosh's position checks, which took 350 ms at 10,000 articles.
    pairs = ChineseAwareAnalyzer(words, subwords=False) | WordPairs(sep=PAIR_SEPARATOR)
    type_fields = {name: KEYWORD(stored=False, commas=True, lowercase=True, scorable=True) for name in TYPE_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),  # a column too: every id at once for cg:textScore
        title=TEXT(stored=True, analyzer=analyzer, field_boost=2.0, phrase=False),
        title_pairs=TEXT(stored=False, analyzer=pairs, field_boost=2.0, phrase=False),
        # Not stored: loading 10+ KB of body per hit made search slow; snippets get the text of the page's hits
        # from the caller (the graph store holds it as schema:text).
        body=TEXT(stored=False, analyzer=analyzer, phrase=False),
        body_pairs=TEXT(stored=False, analyzer=pairs, phrase=False),
        date=ID(stored=True, sortable=True),
        lang=ID(stored=True),  # schema:inLanguage ("en", "zh"): the lang: filter and the language facet
        entity=KEYWORD(stored=True, commas=True, scorable=True),  # entity keys: filters and facet counts
        **type_fields,
    )


def create_or_open(path: Path, words: tuple[str, ...] = ()):
    """Open the index at `path`, creating it (with our schema, see make_schema) when absent."""
    if index.exists_in(str(path)):
        return index.open_dir(str(path))
    path.mkdir(parents=True, exist_ok=True)
    return index.create_in(str(path), make_schema(words))


def document_for(extraction: Extraction) -> dict:
    """One Whoosh document per article: text fields plus entities by type as keyword facets."""
    article = extraction.article
    doc = {"id": article.id, "title": article.title, "title_pairs": article.title, "body": article.body,
           "body_pairs": article.body, "date": article.date or "", "lang": getattr(article, "lang", "") or "",
           "entity": ",".join(sorted(extraction.entities))}
    for name, type_ in TYPE_FIELDS.items():
        names = [n for e in extraction.entities.values() if e.type == type_ for n in (e.name, *e.aliases)]
        doc[name] = ",".join(sorted(set(names)))
    return doc


def article_ids(ix) -> set[str]:
    with ix.searcher() as searcher:
        return {fields["id"] for fields in searcher.all_stored_fields()}


@dataclass
class Hit:
    id: str
    title: str
    date: str
    score: float
    snippet: str  # HTML: escaped article text with <b class="match"> highlights
    entities: list[tuple[str, str, str]]  # (key, name, type)
    lang: str = ""  # schema:inLanguage


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # type -> [(key, name, count)]
    suggestion: str | None = None
    page: int = 1
    page_size: int = 10
    notice: str | None = None
    type_counts: dict[str, int] = field(default_factory=dict)  # type -> hits (of the top ones) naming one
    languages: dict[str, int] = field(default_factory=dict)  # language -> matching articles (the facet)


_CHINESE_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"', "＂": '"'})
EntitiesNamed = Callable[[list[str]], dict[str, list[str]]]  # query words/phrases -> keys of entities so named


class EntityNamesPlugin(qparser.Plugin):
    """A plain query word, run of words or quoted phrase that is a name or alias of known entities also matches
    every article that mentions one of them: 腾讯 finds the English articles about Tencent through the entity,
    Tencent the Chinese ones, Chen Rui the article that writes 陈睿. `entities_named` is asked once per query,
    with every candidate text."""

    def __init__(self, entities_named: EntitiesNamed) -> None:
        self.entities_named = entities_named

    def filters(self, parser):
        # After the fields filter (100) has named the fielded nodes, before multifield (110) copies the plain ones.
        return [(self.expand, 105)]

    def expand(self, parser, group):
        texts = sorted(set(_candidate_texts(group)))
        keys = self.entities_named(texts) if texts else {}
        return _add_entities(group, keys) if keys else group


_NAME_WORDS = 4  # the longest run of plain words looked up as a name ("QQ interest tribes")


def _is_plain_text(node) -> bool:
    return (isinstance(node, (syntax.WordNode, qparser.PhrasePlugin.PhraseNode)) and node.fieldname is None
            and len(node.text.strip()) >= 2)


def _is_plain_word(node) -> bool:
    return isinstance(node, syntax.WordNode) and node.fieldname is None


def _word_run(nodes: list, start: int) -> list[int]:
    """Indexes of the plain words from `start` on that only spaces separate (no operator, field or phrase)."""
    run = [start]
    while (len(run) < _NAME_WORDS and run[-1] + 2 < len(nodes) and isinstance(nodes[run[-1] + 1], syntax.Whitespace)
           and _is_plain_word(nodes[run[-1] + 2])):
        run.append(run[-1] + 2)
    return run


def _joined(nodes: list, run: list[int]) -> str:
    return " ".join(nodes[i].text for i in run)


def _candidate_texts(group):
    nodes = list(group)
    for i, node in enumerate(nodes):
        if isinstance(node, syntax.GroupNode):
            yield from _candidate_texts(node)
        elif _is_plain_text(node):
            yield node.text
            if _is_plain_word(node):
                run = _word_run(nodes, i)
                yield from (_joined(nodes, run[:n]) for n in range(2, len(run) + 1))


def _entity_nodes(keys: list[str], first, last) -> list:
    return [syntax.WordNode(key).set_fieldname("entity").set_range(first.startchar, last.endchar) for key in keys]


def _add_entities(group, keys: dict[str, list[str]]):
    nodes, rewritten, i = list(group), [], 0
    while i < len(nodes):
        node = nodes[i]
        if isinstance(node, syntax.GroupNode):
            rewritten.append(_add_entities(node, keys))
        elif _is_plain_word(node) and (named := [run for run in (_word_run(nodes, i)[:n] for n in range(
                _NAME_WORDS, 1, -1)) if len(run) > 1 and keys.get(_joined(nodes, run))]):
            run = named[0]  # the longest run of words that names entities: its words, or one of them
            words = syntax.AndGroup([nodes[j] for j in run])
            rewritten.append(syntax.OrGroup([words, *_entity_nodes(keys[_joined(nodes, run)], node, nodes[run[-1]])]))
            i = run[-1]
        elif _is_plain_text(node) and keys.get(node.text):
            rewritten.append(syntax.OrGroup([node, *_entity_nodes(keys[node.text], node, node)]))
        else:
            rewritten.append(node)
        i += 1
    group.nodes[:] = rewritten
    return group


def parse_user_query(schema: Schema, text: str, entities_named: EntitiesNamed | None = None) -> Query | None:
    """Parse keyword syntax (phrases, AND/OR/NOT, person:"...", lang:zh) with no wildcard, fuzzy or range
    expansion; with `entities_named`, words that name entities also match the articles mentioning them."""
    text = text.strip()
    if not text:
        return None
    if text.count("(") + text.count(")") > 40:
        text = re.sub(r"[()]", " ", text).strip()  # deep grouping: read the words, not the structure
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}: shorten it")
    text = text.translate(_CHINESE_QUOTES)  # “腾讯公司” and 「腾讯公司」 are phrases too
    if text.count('"') % 2:
        text = text.replace('"', " ")
    # No wildcards (the parser's plugin is removed: they can hang the index): "qq*" searches qq, not the
    # literal term "qq*", which no article holds.
    text = re.sub(r"[*?]+", " ", text)
    parser = qparser.MultifieldParser(["title", "body"], schema, group=qparser.AndGroup)
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.BoostPlugin):
        parser.remove_plugin_class(plugin)
    parser.remove_plugin_class(qparser.FieldsPlugin)
    parser.add_plugin(qparser.FieldsPlugin(expr=r"(?P<text>(?:" + "|".join([*TYPE_FIELDS, "lang"]) + r")):"))
    if entities_named is not None:
        parser.add_plugin(EntityNamesPlugin(entities_named))
    try:
        return parser.parse(text)
    except RecursionError:
        raise QueryError("the query is nested too deeply; remove some brackets") from None
    except (IndexError, AssertionError):  # Whoosh's parser on operators with nothing to join ("NOT NOT NOT")
        raise QueryError("the query's AND/OR/NOT have no words to join; put words between them "
                         '(e.g. qq NOT wechat), or quote them ("not")') from None


class SearchIndex:
    """An open index and its per-index arrays (see postings.py); one per served generation."""

    def __init__(self, ix) -> None:
        self.ix = ix
        self.schema = ix.schema  # read once: Whoosh's FileIndex.schema unpickles the index's TOC on every access
        thread_safe_stemming(self.schema)  # shared by every request thread's query parser and highlighter
        self.analyzer = self.schema["body"].analyzer  # for highlighting: the words as the body was indexed
        self.postings = Postings()
        self._local = threading.local()
        if self._holds_chinese():
            warm_up(self.analyzer)  # jieba's dictionary, in the background: not on the first Chinese query

    def _holds_chinese(self) -> bool:
        if "lang" not in self.schema:
            return False
        with self.ix.reader() as reader:
            return any(lang.startswith("zh") for lang in reader.field_terms("lang"))

    def searcher(self):
        """This thread's searcher, opened once: the index of a generation never changes, and opening one
        (terms, stored-field columns) cost more than a whole search at 10,000 articles. Not to be closed."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self.ix.searcher()
        return searcher

    @classmethod
    def open(cls, path: Path) -> "SearchIndex":
        return cls(index.open_dir(str(path)))

    def doc_count(self) -> int:
        return self.ix.doc_count()

    def scores(self, text: str) -> dict[str, float]:
        """Every matching article's id and score (for cg:textScore)."""
        query = parse_user_query(self.schema, text)
        if query is None:
            return {}
        searcher = self.searcher()
        matches = self.postings.evaluate(searcher, query)
        ids = self.postings.ids(searcher)
        return {ids[doc]: float(score) for doc, score in zip(matches.docs.tolist(), matches.scores.tolist())}


def search(engine: SearchIndex, text: str, page: int = 1, page_size: int = 10, entity_filters: tuple[str, ...] = (),
           sort: str = "relevance", date_from: str = "", date_to: str = "",
           texts: Callable[[list[str]], dict[str, str]] | None = None,
           labels: Callable[[list[str]], dict[str, str]] | None = None,
           entities_named: EntitiesNamed | None = None, languages: tuple[str, ...] = (),
           budget: SearchSession | None = None) -> SearchResult:
    """Ranked hits with escaped, highlighted snippets and facet counts over every match.

    The index keeps neither bodies nor names (both made every hit expensive to load): `texts(ids)` gives the
    bodies of the hits on the page, for snippets, and `labels(keys)` the names of entity keys; without them
    snippets are empty and entities are shown by key. `entities_named` (see EntityNamesPlugin) lets a word
    that names an entity match the articles mentioning it in any language; `languages` keeps articles in one
    of these languages. `budget` prices the search before it runs and stops it when out of time
    (search_budget.py: SearchRefused, 400 or 503).
    """
    try:
        query = parse_user_query(engine.schema, text, entities_named)
    except QueryError as exc:
        return SearchResult(query=text, total=0, hits=[], page=page, page_size=page_size, notice=exc.message)
    if query is None:
        query = Every() if entity_filters or languages else None
    if query is None:
        return SearchResult(query=text, total=0, hits=[], page=page, page_size=page_size)
    filters: list[Query] = [Term("entity", key) for key in entity_filters]
    if languages:
        filters.append(Or([Term("lang", lang) for lang in languages]))
    if date_from or date_to:
        filters.append(TermRange("date", date_from or None, (date_to + "\uffff") if date_to else None))
    if filters:
        query = And([query, *filters])
    page = max(1, page)
    postings = engine.postings
    searcher = engine.searcher()
    if budget is not None:
        budget.admit(searcher, query)
    matches = postings.evaluate(searcher, query, budget.check if budget is not None else None)
    top = postings.top(searcher, matches, page * page_size, by_date=sort == "date")
    on_page = [(int(doc), searcher.stored_fields(int(doc))) for doc in top[(page - 1) * page_size:]]
    suggestion = None
    if not len(matches):
        suggestion = _suggest(searcher, text, engine.analyzer, budget,
                              whole_word=lambda stem: _whole_word(engine, searcher, stem, texts))
    counts = Counter(postings.entity_counts(searcher, matches))
    facet_keys = _top_per_type(counts)
    shown = {key for keys in facet_keys.values() for key in keys} | {key for _, f in on_page for key in _keys(f)}
    names = labels(sorted(shown)) if labels and shown else {}
    facets = {type_: [(key, names.get(key, key), counts[key]) for key in keys] for type_, keys in facet_keys.items()}
    if budget is not None:
        budget.check()
    bodies = texts([fields["id"] for _, fields in on_page]) if texts and on_page else {}
    terms = _highlight_terms(query)
    words = _query_words(text)
    score_of = dict(zip(matches.docs.tolist(), matches.scores.tolist())) if on_page else {}
    hits = []
    for doc, fields in on_page:
        body = _excerpt(bodies.get(fields["id"], ""), words)
        snippet = _highlight(body, terms, engine.analyzer) if body else ""
        hits.append(Hit(id=fields["id"], title=fields["title"], date=fields.get("date", ""),
                        score=round(score_of[doc], 3) if sort != "date" else 0.0,
                        snippet=snippet or _escape(body[:240]),
                        entities=[(k, names.get(k, k), _type_of(k)) for k in _keys(fields)],
                        lang=fields.get("lang", "")))
    type_counts = postings.documents_naming(searcher, matches, {f"{name}/": type_ for name, type_ in TYPE_FIELDS.items()})
    return SearchResult(query=text, total=len(matches), hits=hits, facets=facets, suggestion=suggestion,
                        page=page, page_size=page_size, type_counts=type_counts,
                        languages=postings.value_counts(searcher, matches, "lang"))


_FRAGMENTER = highlight.ContextFragmenter(maxchars=300, surround=60)
_FORMATTER = highlight.HtmlFormatter(tagname="b", classname="match", between=" … ")


def thread_safe_stemming(schema: Schema) -> None:
    """Give every stemmer in an opened schema a thread-safe cache of the same size.

    Whoosh's StemFilter caches stems in an `lfu_cache` without a lock: once it is full, two server threads
    evicting at once raise KeyError or "dictionary changed size during iteration". The query parser and the
    highlighter of every request thread share these analyzers; functools.lru_cache is thread-safe.
    """
    for _name, field_type in schema.items():
        for item in getattr(getattr(field_type, "analyzer", None), "items", ()):
            if isinstance(item, StemFilter) and isinstance(item.cachesize, int) and item.cachesize > 1:
                item._stem = functools.lru_cache(maxsize=item.cachesize)(inspect.unwrap(item._stem))


def _highlight_terms(query: Query) -> frozenset[str]:
    """The analysed words the query looks for in title or body (phrase words included)."""
    return frozenset(text for field, text in query.all_terms(phrases=True)
                     if field in ("title", "body") and isinstance(text, str))


def _highlight(body: str, terms: frozenset[str], analyzer) -> str:
    """Escaped text of the best two passages with the query's words marked (Whoosh's highlighter)."""
    if not terms:
        return ""
    if has_han(body):  # Chinese terms found in the text as they are, without segmenting it (3 ms a hit)
        analyzer = HighlightTokens(analyzer, terms)
    return highlight.highlight(body, terms, analyzer, _FRAGMENTER, _FORMATTER, top=2, mode="index")


_OPERATORS = {"and", "or", "not", "andnot", "andmaybe"}


def _query_words(text: str) -> list[str]:
    """The plain words of a query, for finding where an article matches before highlighting."""
    words = re.findall(r"\w+", re.sub(r"\b\w+:", " ", text.lower()))
    return [w for w in words if w not in _OPERATORS]


def _excerpt(body: str, words: list[str], radius: int = 200, most: int = 2) -> str:
    """Only the passages around the first matches: Whoosh re-analyses every token it highlights, and whole
    articles made highlighting most of a search's time. Stems are matched by their first letters.

    Around a Chinese word the passage is shorter: a character is about a word (the snippet shows ~60 around
    a match), and segmenting 400 characters with jieba for each of 10 hits made highlights 2.4x English's."""
    lowered = body.lower()
    spans: list[tuple[int, int]] = []
    for word in words:
        chinese = has_han(word)
        stem = word if chinese else word[: max(4, len(word) - 2)]  # Chinese words are not stemmed
        around = radius * 2 // 5 if chinese else radius
        pos = lowered.find(stem)
        if pos >= 0:
            spans.append((max(0, pos - around), min(len(body), pos + around)))
        if len(spans) >= most:
            break
    if not spans:
        return body[: 2 * radius]
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return " … ".join(body[start:end] for start, end in merged)


def _keys(hit) -> list[str]:
    return [key for key in (hit.get("entity") or "").split(",") if key]


def _type_of(key: str) -> str:
    return TYPE_FIELDS.get(key.split("/", 1)[0], "")


def _top_per_type(counts: Counter, per_type: int = 15) -> dict[str, list[str]]:
    top: dict[str, list[str]] = {}
    for key, _ in counts.most_common():
        bucket = top.setdefault(_type_of(key), [])
        if len(bucket) < per_type:
            bucket.append(key)
    return dict(sorted(top.items()))


def _suggest(searcher, text: str, analyzer=None, budget: SearchSession | None = None, most: int = 3,
             whole_word: Callable[[str], str] | None = None) -> str | None:
    """'Did you mean': the index's own spelling correction over the body field, for English words only.

    The body's terms are Porter stems and jieba words: edit distance from a Chinese word reached any short
    term (腾讯 -> "qq"), so words with Chinese characters are kept as they are, never corrected. Each
    correction walks the whole term list (44 ms a word at 2,000 articles: 32 words took 1.4 s, nearly all of
    a search with no match), so only words the index does not hold (as `analyzer` reads them) are corrected,
    at most `most` of them, within the search's budget; only English words of three letters or more (the
    terms are English stems: "qc49" became "149"); and the first letter is kept (prefix=1), which made each
    correction 10-20x faster at 2,000 articles (tencnet 31 -> 1.8 ms) with the same suggestions.
    `whole_word` turns a corrected term, a stem, back into a word ("monthli" -> "monthly").
    """
    words = re.findall(r"\w+", text.lower())
    if not words or all(has_han(w) for w in words):
        return None
    corrector = searcher.corrector("body")
    reader = searcher.reader()
    fixed, tried = [], 0
    for word in words:
        known = analyzer is not None and all(("body", t.text) in reader for t in analyzer(word))
        if known or tried >= most or len(word) < 3 or not (word.isascii() and word.isalpha()):
            fixed.append(word)
            continue
        if budget is not None:
            budget.check()
        tried += 1
        corrected = (corrector.suggest(word, limit=1, prefix=1) or [word])[0]
        fixed.append(whole_word(corrected) if whole_word is not None and corrected != word else corrected)
    return " ".join(fixed) if fixed != words else None


def _whole_word(engine: SearchIndex, searcher, stem: str,
                texts: Callable[[list[str]], dict[str, str]] | None) -> str:
    """A word that `stem` (an index term) was made from, read in one article that holds it: the spelling
    suggestion "monthly", not "monthli". The stem itself when no text is at hand."""
    matcher = searcher.postings("body", stem) if texts is not None and ("body", stem) in searcher.reader() else None
    if matcher is None or not matcher.is_active():
        return stem
    article_id = engine.postings.ids(searcher)[matcher.id()]
    body = texts([article_id]).get(article_id, "")
    prefix = stem[: max(2, len(stem) - 2)]  # Porter keeps the start of a word (monthly -> monthli)
    for match in re.finditer(r"\b" + re.escape(prefix) + r"\w*", body, re.IGNORECASE):
        word = match.group(0).lower()
        if [token.text for token in engine.analyzer(word)] == [stem]:
            return word
    return stem


def _escape(text: str) -> str:
    return str(escape(text))
