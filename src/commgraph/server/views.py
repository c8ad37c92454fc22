"""View models: the data behind each page, shared by the HTML page and its JSON twin under /api/."""

from __future__ import annotations

import bisect
import re
from typing import Any

from flask import g, has_request_context, request, url_for

from .. import lookup
from ..errors import NotFound, QueryError
from ..search import SearchRequest
from ..vocab import Minted, name_keys
from . import services


def _int_arg(name: str, default: int, low: int = 1, high: int = 10_000) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"parameter {name} must be a whole number, got {raw[:20]!r}") from None
    return min(max(value, low), high)


def _date_arg(name: str) -> str:
    raw = request.args.get(name, "").strip()
    if raw and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", raw):
        raise QueryError(f"parameter {name} must be a date like 2015-08-06, got {raw[:20]!r}")
    if raw:
        import datetime

        parts = raw.split("-")
        try:  # the shape alone let 2016-13-45 through and silently match nothing
            datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
        except ValueError:
            raise QueryError(f"parameter {name}: {raw!r} is not a date in the calendar; give a year, a year-month "
                             "(2015-08) or a day (2015-08-06)") from None
    return raw


def search_data() -> dict[str, Any]:
    svc = services()
    gen = svc.generation()
    # the answer holds URLs (url_for), so the mount point is part of the key as the parameters are
    key = (request.script_root, tuple(sorted((k, tuple(request.args.getlist(k))) for k in request.args)))
    cached = svc.searches.get(gen.path, key)
    if cached is None:
        cached = _search_data(svc, gen)
        svc.searches.put(gen.path, key, cached)
    return cached


_LANG = re.compile(r"[a-z]{2,3}")  # ISO 639 codes, as schema:inLanguage holds them

# Names of the languages the language facet shows; any other code is shown as itself.
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}


def _lang_args() -> tuple[str, ...]:
    langs = tuple(dict.fromkeys(v.strip().lower() for v in request.args.getlist("lang") if v.strip()))[:5]
    for lang in langs:
        if not _LANG.fullmatch(lang):
            raise QueryError(f"parameter lang must be a language code such as en or zh, got {lang[:20]!r}")
    return langs


def _search_data(svc, gen, page: int | None = None, page_size: int | None = None) -> dict[str, Any]:
    """The search page's data; `page` and `page_size` override the request's (the CSV export's rows)."""
    q = request.args.get("q", "")
    filters = tuple(f for f in request.args.getlist("entity") if f)[:10]
    langs = _lang_args()
    sort = request.args.get("sort", "relevance")
    if sort not in ("relevance", "date"):
        raise QueryError(f"parameter sort must be 'relevance' or 'date', got {sort[:20]!r}")
    date_from, date_to = _date_arg("from"), _date_arg("to")

    def texts(ids: list[str]) -> dict[str, str]:
        return lookup.values_of(gen.store, {i: str(svc.minter.article(i)) for i in ids}, "schema:text")

    def labels(keys: list[str]) -> dict[str, str]:
        return gen.entity_names(keys, svc.minter)

    def entities_named(names: list[str]) -> dict[str, list[str]]:
        found = lookup.entities_named(gen.store, names)
        keyed = {}
        for name in names:
            keys = sorted(k for k in (svc.minter.entity_key(i) for i in found.get(name_keys([name])[0], [])) if k)
            if keys:
                keyed[name] = keys
        return keyed

    with svc.search_budget.session() as budget:  # a costly search holds its slot until its page is made
        budget.reserve(q)  # a wordy one from before it is read
        asked = SearchRequest(q, page=page or _int_arg("page", 1), page_size=page_size or svc.settings.page_size,
                              entity_filters=filters, languages=langs, sort=sort, date_from=date_from,
                              date_to=date_to)
        result = gen.index.search(asked, texts=texts, labels=labels, entities_named=entities_named, budget=budget)
    names = {key: (name, type_) for hit in result.hits for key, name, type_ in hit.entities}
    for bucket in result.facets.values():
        for key, name, _ in bucket:
            names.setdefault(key, (name, ""))
    cards = lookup.find_entities_by_name(gen.store, _candidate_names(q)) if q else []
    last_page = max(1, -(-result.total // result.page_size))
    chips = _chips(svc, gen, result.hits)
    return {
        "query": q, "total": result.total, "page": result.page, "page_size": result.page_size, "sort": sort,
        "last_page": last_page,
        "pages": [{"page": n, "url": _search_link(page=n), "current": n == result.page} if n else {"gap": True}
                  for n in _page_numbers(result.page, last_page)],
        "previous_url": _search_link(page=min(result.page, last_page + 1) - 1) if result.page > 1 else None,
        "next_url": _search_link(page=result.page + 1) if result.page < last_page else None,
        "csv_url": _search_link("api.search", page=None, format="csv"),
        "date_from": date_from, "date_to": date_to,
        "filters": [{"key": f, "name": names.get(f, (f, ""))[0]} for f in filters],
        "lang": list(langs),
        "languages": [{"lang": code, "name": LANGUAGE_NAMES.get(code, code), "count": count}
                      for code, count in sorted(result.languages.items(), key=lambda item: (-item[1], item[0]))],
        "suggestion": _name_suggestion(gen, q, result.total) or result.suggestion, "notice": result.notice,
        "syntax_note": _syntax_note(q),
        "hits": [{"id": h.id, "title": h.title, "date": h.date, "score": h.score, "snippet": h.snippet,
                  "url": url_for("pages.article", article_id=h.id), "lang": h.lang,
                  "language": LANGUAGE_NAMES.get(h.lang, h.lang),
                  "entities": chips[h.id]}
                 for h in result.hits],
        "facets": {type_: [{"key": k, "name": n, "count": c} for k, n, c in bucket]
                   for type_, bucket in sorted(result.facets.items())},
        "facet_types": result.type_counts,
        "entity_cards": [_entity_ref(row["e"], row["name"], row["type"]) for row in cards],
    }


def _chips(svc, gen, hits) -> dict[str, list[dict[str, Any]]]:
    """{article id: its entity chips} for the hits of a page, each article's made once per generation and mount
    point: they depend on the article alone (its entities, their names and URLs, its mentions of each), and
    making them was 2-3 ms of a search (~250 chips a page)."""
    root = request.script_root
    made = gen.chips
    chips = {h.id: found for h in hits if (found := made.get((root, h.id))) is not None}
    todo = [h for h in hits if h.id not in chips]
    if todo:
        # The index holds each article's mentions per entity; only hits of an index written without them (data
        # format 11 and older) are counted in the graph (15-22 ms a page at 1,000 articles).
        mentions = {(h.id, key): n for h in todo if h.mentions is not None for key, n in h.mentions.items()}
        hit_iris = {str(svc.minter.article(h.id)): h.id for h in todo if h.mentions is None}
        mentions |= {(hit_iris[a], svc.minter.entity_key(e)): n
                     for (a, e), n in lookup.mention_counts(gen.store, list(hit_iris)).items() if a in hit_iris}
        if len(made) > 2_000:  # ~7 KB an article (25 chips): at most ~15 MB, then it starts over
            made.clear()
        urls = svc.entity_urls  # entity_url's, read here once: its per-call look-ups of the app were 2 ms a page
        for h in todo:
            chips[h.id] = made[(root, h.id)] = _by_relevance(h.title, [
                {"key": k, "name": n, "type": t, "url": urls.get((root, k, False)) or entity_url(k),
                 "mentions": mentions.get((h.id, k), 0)}
                for k, n, t in h.entities])
    return chips  # not read back from `made`: another request may have just started it over


def _by_relevance(title: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An article's entities, what it is about first: those named in its title, then the most mentioned
    (the index keeps them sorted by key, so the seed article's first twelve were creative works and events)."""
    lowered = title.lower()

    def in_title(name: str) -> bool:
        name = name.lower()
        if name not in lowered:  # most names are not in the title: no pattern to build (1.7 ms a page)
            return False
        if any("\u3400" <= ch <= "\u9fff" for ch in name):  # no word boundaries between Chinese characters
            return True
        return re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", lowered) is not None

    return sorted(entities, key=lambda e: (not in_title(e["name"]), -e["mentions"], e["name"].lower()))


def _search_link(endpoint: str = "pages.search", **changes: Any) -> str:
    """This search's URL with some parameters changed (page=2, format=csv): every other filter is kept."""
    args: dict[str, Any] = {k: request.args.getlist(k) for k in request.args if k != "format"}
    args.update(changes)
    return url_for(endpoint, **{k: v for k, v in args.items() if v not in (None, "", [], ())})


def _page_numbers(page: int, last: int, around: int = 2) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: the first and last pages and those around this one; None stands for a gap."""
    shown = sorted({1, last, *range(max(1, min(page, last) - around), min(last, page + around) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


# Query syntax the search does not run (the parser drops it: it can hang the index), and how to say so.
_UNSUPPORTED_SYNTAX = (
    (re.compile(r"[*?]"), "wildcards (* and ?)"),
    (re.compile(r"~"), "fuzzy matching (~)"),
    (re.compile(r"\^"), "boosts (^)"),
    (re.compile(r"\[[^\]]*\bTO\b|\{[^}]*\bTO\b"), "ranges ([a TO b]; use From and To for dates)"),
)


def _syntax_note(q: str) -> str | None:
    """A word when the query holds syntax that is not supported, so `QQ*` finding only `QQ` (or nothing) is
    not a silent surprise. Quoted phrases are left out: a '?' inside quotes is just text."""
    bare = re.sub(r'"[^"]*"', " ", q)
    found = [words for pattern, words in _UNSUPPORTED_SYNTAX if pattern.search(bare)]
    fields = sorted({f for f in re.findall(r"(?<![\w:])([A-Za-z_]+):", bare) if f.lower() not in SEARCH_FIELDS})
    if fields:
        found.append("the field" + ("s " if len(fields) > 1 else " ") + ", ".join(f + ":" for f in fields) + " (fields "
                     "are " + ", ".join(f + ":" for f in sorted(SEARCH_FIELDS)) + ")")
    if not found:
        return None
    return ("Not supported: " + "; ".join(found) + ". The search ran on the words alone; the search syntax is words, "
            '"phrases", AND/OR/NOT and entity fields.')


SEARCH_FIELDS = {"person", "organization", "product", "place", "event", "creativework", "lang"}
SEARCH_CSV_ROWS = 500  # the top results a CSV export holds, in the page's order


def search_rows() -> list[dict[str, Any]]:
    """The rows of a search's CSV export: article, title, date, url, score and the snippet as plain text."""
    from markupsafe import Markup

    svc = services()
    data = _search_data(svc, svc.generation(), page=1, page_size=SEARCH_CSV_ROWS)
    return [{"article": h["id"], "title": h["title"], "date": h["date"],
             "url": url_for("pages.article", article_id=h["id"], _external=True), "score": h["score"],
             "snippet": Markup(h["snippet"]).striptags()} for h in data["hits"]]


COMPLETE_MOST = 20  # suggestions one /api/complete request may ask for


def complete_data() -> dict[str, Any]:
    """Entity names and aliases starting with `q` (at a word start), the most mentioned first: the search
    box's autocomplete."""
    q = request.args.get("q", "")
    if len(q) > 100:
        raise QueryError(f"parameter q: at most 100 characters for completion, got {len(q)}")
    limit = _int_arg("limit", 8, 1, COMPLETE_MOST)
    svc = services()
    out = []
    for entry, main in svc.generation().completions.complete(q, limit):
        key = svc.minter.entity_key(entry.iri) or ""
        out.append({"name": entry.name, "type": entry.type, "key": key, "url": entity_url(key),
                    "alias_of": main.name if main else None, "mentions": entry.mentions})
    return {"q": q, "completions": out}


def _name_suggestion(gen, q: str, total: int) -> str | None:
    """'Did you mean' from entity names and aliases, word order aside ("Daosheng Tnag", "Dowson Tang" ->
    "Tang Daosheng"); the index's own correction offers stems ("daosheng than"), so a close name comes first.
    Only for a search that found nothing and reads like a name (one to four words, no syntax)."""
    import difflib

    words = q.strip().lower().split()
    if total or not 1 <= len(words) <= 4 or len(q) > 80 or re.search(r'["():*~]|\b(AND|OR|NOT)\b', q):
        return None
    index = gen.name_index
    key = " ".join(sorted(words))
    close = difflib.get_close_matches(key, list(index), n=1, cutoff=0.75)
    if not close:
        return None
    name = index[close[0]]
    return None if name.lower() == q.strip().lower() else name


def _candidate_names(q: str) -> list[str]:
    """The whole query and its quoted phrases may name an entity ("Tom Tang" -> Tang Daosheng's card)."""
    text = re.sub(r"\b\w+:", "", q)
    names = [p for p in re.findall(r'"([^"]{2,80})"', text)]
    plain = re.sub(r'["()]', " ", text).strip()
    if 2 <= len(plain) <= 80:
        names.append(plain)
    return names[:5]


def entity_url(key: str | None, api: bool = False) -> str | None:
    """The page (or with `api` the JSON) of the entity with this key ("person/daosheng-tang"); None for no key.
    A template global too."""
    kind, _, slug = (key or "").partition("/")
    if not kind or not slug:
        return None
    # Remembered per app and mount point: a search page links ~250 chips, and url_for cost 14 us each (3.4 ms)
    urls = services().entity_urls
    memo = (request.script_root if has_request_context() else None, key, api)
    url = urls.get(memo)
    if url is None:
        url = url_for("api.entity" if api else "pages.entity", kind=kind, slug=slug)
        if len(urls) >= 50_000:
            urls.clear()
        urls[memo] = url
    return url


def _entity_ref(iri: str, name: str, type_iri: str) -> dict[str, str]:
    key = services().minter.entity_key(iri) or ""
    return {"iri": iri, "key": key, "name": name, "type": type_iri.rsplit("/", 1)[-1], "url": entity_url(key)}


def entity_data(kind: str, slug: str) -> dict[str, Any]:
    """The entity page's view model, kept per generation like a search's (the parameters and the mount point
    are the key: the answer holds URLs)."""
    svc = services()
    gen = svc.generation()
    key = (request.script_root, kind, slug, tuple(sorted((k, tuple(request.args.getlist(k))) for k in request.args)))
    cached = svc.entities.get(gen.path, key)
    if cached is None:
        cached = _entity_data(svc, gen, kind, slug)
        svc.entities.put(gen.path, key, cached)
    return cached


def _entity_data(svc, gen, kind: str, slug: str) -> dict[str, Any]:
    iri = str(svc.minter.entity(f"{kind}/{slug}"))
    data = lookup.entity(gen.store, iri, quotes_page=_int_arg("quotes", 1))
    if data is None:
        raise NotFound(f"no entity {kind}/{slug}; search for it at /search")
    data["key"] = f"{kind}/{slug}"
    page = data["people_quotes_page"]  # the paged section "What people at X said": newer / older pages
    data["people_quotes_newer"] = url_for("pages.entity", kind=kind, slug=slug, quotes=page - 1) if page > 1 else None
    data["people_quotes_older"] = (url_for("pages.entity", kind=kind, slug=slug, quotes=page + 1)
                                   if data["people_quotes_more"] else None)
    data["co_mention_sampled"] = data["article_count"] > data["co_mention_sample"]
    for row in data["neighbours"]:
        row.update(_entity_ref(row["other"], row["label"], row["kind"]))
    for row in data["roles"]:
        row["org_url"] = entity_url(svc.minter.entity_key(row["org"])) if row.get("org") else None
    for row in data["figures"] + data["quotes"] + data["mentions"] + data["roles"] + data["people"] + data[
            "people_quotes"]:
        row["article_url"] = _article_url(row.get("article"))
        row["sentence_url"] = _sentence_url(row.get("s")) or row["article_url"]
    for row in data["people"] + data["people_quotes"]:
        row["person_url"] = entity_url(svc.minter.entity_key(row["person"]))
    for row in data["figures"]:
        row["url"] = _figure_url(row["f"])
    data["roles"] = _roles_once(data["roles"])
    data["people"] = _people(data["people"])
    data["connections"] = _connections(gen.store, iri, data["neighbours"])
    return data


def connections_data(kind: str, slug: str) -> dict[str, Any]:
    """An entity's connections alone (/api/connections/<type>/<slug>): what the entity page's "expand" loads
    in place, without the figures, quotes and mentions of the whole entity."""
    svc = services()
    gen = svc.generation()
    key = f"{kind}/{slug}"
    iri = str(svc.minter.entity(key))
    name = gen.entity_names([key], svc.minter).get(key)
    if not name:
        raise NotFound(f"no entity {key}; search for it at /search")
    neighbours = lookup.co_mentioned(gen.store, iri)
    return {"key": key, "name": name, "url": entity_url(key),
            "connections": _connections(gen.store, iri, neighbours)}


# How a stated relation reads on the page of its subject ("out") and of its object ("in"); {title} is a role's.
RELATION_WORDS = {
    ("founder", "out"): "founded by", ("founder", "in"): "founder of",
    ("provider", "out"): "provided by", ("provider", "in"): "provides",
    ("publisher", "out"): "published by", ("publisher", "in"): "publisher of",
    ("location", "out"): "held at", ("location", "in"): "venue of",
    ("manages", "out"): "manages", ("manages", "in"): "managed by",
    ("acquired", "out"): "acquired", ("acquired", "in"): "acquired by",
    ("roleOrganization", "out"): "{title} at", ("roleHolder", "in"): "{title}",
}


def _connections(store, iri: str, neighbours: list[dict[str, Any]], most: int = 40) -> list[dict[str, Any]]:
    """The entities this one appears with, ranked: those it has a stated relation with first (each relation
    typed and linked to its sentence), then by the number of articles that mention both (the weight)."""
    rows: dict[str, dict[str, Any]] = {}
    for n in neighbours:
        rows[n["other"]] = dict(_entity_ref(n["other"], n["label"], n["kind"]), articles=n["articles"], relations=[])
    for r in lookup.relations(store, iri):
        row = rows.setdefault(r["other"], dict(_entity_ref(r["other"], r["otherName"], r["kind"]), articles=None,
                                               relations=[]))
        words = RELATION_WORDS.get((r["rel"].rsplit("#", 1)[-1].rsplit("/", 1)[-1], r["dir"]))
        if words is None:
            continue
        label = words.format(title=r.get("title") or "").strip()
        relation = next((x for x in row["relations"] if x["label"] == label), None)
        if relation is None:
            relation = {"label": label, "sources": []}
            row["relations"].append(relation)
        url = _sentence_url(r.get("s"))
        if url and url not in relation["sources"]:
            relation["sources"].append(url)
    missing = [other for other, row in rows.items() if row["articles"] is None]
    counts = lookup.shared_articles(store, iri, missing)
    for other in missing:
        rows[other]["articles"] = counts.get(other, 0)
    top = max((row["articles"] for row in rows.values()), default=0) or 1
    for row in rows.values():
        row["relations"].sort(key=lambda x: x["label"])
        for relation in row["relations"]:
            relation["sources"].sort()
        row["weight"] = round(100 * row["articles"] / top)  # the bar's length, relative to the strongest
        kind, _, slug = row["key"].partition("/")
        row["connections_url"] = url_for("api.connections", kind=kind, slug=slug)
    ranked = sorted(rows.values(), key=lambda r: (not r["relations"], -r["articles"], r["name"].lower()))
    return ranked[:most]


def _roles_once(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (title, organisation), however many sentences state it; each sentence is a source."""
    merged: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (row["title"].strip().lower(), row.get("org"))
        entry = merged.setdefault(key, dict(row, sources=[]))
        entry["sources"].append({"sentence": row["sentence"], "url": row["sentence_url"],
                                 "headline": row.get("headline"), "date": row.get("date")})
        if (row.get("confidence") or 0) > (entry.get("confidence") or 0):
            entry["confidence"], entry["method"] = row["confidence"], row.get("method")
    return list(merged.values())


def _people(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The people with roles at an organisation: each person once, their titles there, each with sources."""
    people: dict[str, dict[str, Any]] = {}
    for row in rows:
        person = people.setdefault(row["person"], {"person": row["person"], "name": row["personName"],
                                                   "url": row["person_url"], "roles": {}})
        role = person["roles"].setdefault(row["title"].strip().lower(), {"title": row["title"], "sources": [],
                                                                         "confidence": row.get("confidence"),
                                                                         "count": 0, "titles": set()})
        if row["title"] not in role["titles"]:  # how many roles state it (its summaries' counts), beyond those shown
            role["titles"].add(row["title"])
            role["count"] += row.get("count") or 0
        role["sources"].append({"sentence": row["sentence"], "url": row["sentence_url"],
                                "headline": row["headline"], "date": row.get("date")})
    for person in people.values():
        for role in person["roles"].values():
            del role["titles"]
            role["more"] = max(0, role["count"] - len(role["sources"]))
    return [dict(p, roles=list(p["roles"].values())) for p in people.values()]


def _part(iri: str | None, part: str) -> Minted | None:
    """The article node `iri` names when it is a `part` ("sentence", "figure") of an article, else None."""
    minted = services().minter.parse(iri) if iri else None
    return minted if minted is not None and minted.kind == "part" and minted.part == part else None


def _sentence_url(iri: str | None) -> str | None:
    """/article/<id>#s<n> for a sentence node (…/article/<id>/sentence/<n>): the article page marks it."""
    sentence = _part(iri, "sentence")
    return f"{_article_path(sentence.article)}#s{sentence.n}" if sentence else None


def _article_url(iri: str | None) -> str | None:
    minted = services().minter.parse(iri) if iri else None
    if minted is None or minted.kind != "article":
        return None
    return _article_path(minted.article)


def _figure_url(iri: str) -> str | None:
    figure = _part(iri, "figure")
    if figure is None:
        return None
    if not _PLAIN_ID.fullmatch(figure.article):
        return url_for("pages.figure", article_id=figure.article, n=figure.n)
    if "figure_url_base" not in g:
        g.figure_url_base = url_for("pages.figure", article_id="_", n=0).removesuffix("_/0")
    return f"{g.figure_url_base}{figure.article}/{figure.n}"


# Article ids as ingest mints them: nothing in them that the routes' converter would quote
_PLAIN_ID = re.compile(r"[A-Za-z0-9._~-]+")


def _article_path(article_id: str) -> str:
    """url_for("pages.article", article_id=...), from one url_for a request for the ids ingest mints: Tencent's
    page links ~1,100 sentences, articles and figures, and url_for (~14 us each) was a tenth of its time."""
    if not _PLAIN_ID.fullmatch(article_id):
        return url_for("pages.article", article_id=article_id)
    if "article_url_base" not in g:
        g.article_url_base = url_for("pages.article", article_id="_").removesuffix("_")
    return g.article_url_base + article_id


def article_data(article_id: str) -> dict[str, Any]:
    svc = services()
    iri = str(svc.minter.article(article_id))
    data = lookup.article(svc.generation().store, iri)
    if data is None:
        raise NotFound(f"no article {article_id!r}; the list is at /api/articles")
    data["segments"] = _segments(data["text"], data["spans"], data.pop("sentences", []))
    data["entities"] = [_entity_ref(r["e"], r["name"], r["type"]) for r in data["entities"]]
    return data


def _segments(text: str, spans: list[dict], sentences: list[dict] = ()) -> list[dict[str, Any]]:
    """Cut the article text into plain and linked pieces (mentions and figures), never overlapping.

    A piece may also open (`open`: "s3") or close (`close`) a sentence, so /article/<id>#s3 scrolls to and
    marks it; a sentence a linked piece crosses is left unmarked, so the tags always nest.
    """
    svc = services()
    kept = _kept_spans(text, spans)
    starts = [int(k["begin"]) for k in kept]
    marks: dict[int, list[dict[str, Any]]] = {}
    for sentence in sentences:
        node = _part(sentence["s"], "sentence")
        begin, end = int(sentence["begin"]), int(sentence["end"])
        if node is None or not 0 <= begin < end <= len(text) or _inside(kept, starts, begin) or _inside(
                kept, starts, end):
            continue
        marks.setdefault(begin, []).append({"open": f"s{node.n}"})
        marks.setdefault(end, []).insert(0, {"close": True})
    pieces, pos = [], 0

    def plain(upto: int) -> None:
        nonlocal pos
        for edge in sorted(e for e in marks if pos <= e <= upto):
            if edge > pos:
                pieces.append({"text": text[pos:edge]})
            pieces.extend(marks.pop(edge))
            pos = edge
        if upto > pos:
            pieces.append({"text": text[pos:upto]})
        pos = upto

    for span in kept:
        begin, end = int(span["begin"]), int(span["end"])
        plain(begin)
        if span["kind"] == "mention":
            url = entity_url(svc.minter.entity_key(span["target"]))
        else:
            url = _figure_url(span["target"])
        pieces.append({"text": text[begin:end], "kind": span["kind"], "url": url, "title": span["label"]})
        pos = end
    plain(len(text))
    return pieces


def _inside(kept: list[dict], starts: list[int], edge: int) -> bool:
    """Whether `edge` falls strictly inside one of the kept spans (sorted, never overlapping)."""
    i = bisect.bisect_left(starts, edge) - 1
    return i >= 0 and int(kept[i]["end"]) > edge


def _kept_spans(text: str, spans: list[dict]) -> list[dict]:
    """The linked spans shown: in the text, the first (and longest) of any that overlap."""
    kept, pos = [], 0
    for span in sorted(spans, key=lambda s: (int(s["begin"]), -int(s["end"]))):
        begin, end = int(span["begin"]), int(span["end"])
        if begin < pos or end > len(text):
            continue
        kept.append(span)
        pos = end
    return kept


def figures_data() -> dict[str, Any]:
    svc = services()
    gen = svc.generation()
    metric = request.args.get("metric", "")[:100]
    subject = request.args.get("subject", "").strip()[:200]
    iri, subject_name, notice = _figure_subject(svc, gen, subject)
    rows = [] if subject and iri is None else lookup.figures_about(gen.store, iri, metric=metric, limit=FIGURES_SHOWN)
    for row in rows:
        row["url"] = _figure_url(row["f"])
        row["article_url"] = _article_url(row["article"])
        row["sentence_url"] = _sentence_url(row.get("s")) or row["article_url"]
        row["subject_key"] = svc.minter.entity_key(row["subject"]) if row.get("subject") else None
        row["value_display"] = _figure_value(row)
    disagreements = _disagreements(rows, gen.store)
    filters = {k: v for k, v in (("metric", metric), ("subject", subject)) if v}
    return {"metric": metric, "subject": subject, "subject_name": subject_name, "notice": notice,
            "subjects": lookup.figure_subjects(gen.store), "figures": rows, "limit": FIGURES_SHOWN,
            "truncated": len(rows) >= FIGURES_SHOWN, "series": _chart_series(rows),
            "disagreements": disagreements,
            "downloads": {"csv": url_for("api.figures", **filters, format="csv"),
                          "json": url_for("api.figures", **filters, format="json")}}


def _disagreements(rows: list[dict[str, Any]], store) -> list[dict[str, Any]]:
    """"What changed between two reports": figures of different articles about the same subject, canonical
    metric (else metric), unit and date that give different values, grouped, the reports in the order they
    were published; each row in such a group gets the group's anchor (`disagreement`), so the table can point
    at it. A change ("up 28%") is compared only with changes."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        if not row.get("subject") or not row.get("date") or not row.get("value_display"):
            continue
        unit = " ".join(u for u in (row.get("unit"), row.get("currency")) if u)
        key = (row["subject"], (row.get("canonical") or row["metric"]).lower(), str(row["date"]), unit,
               bool(row.get("change")))
        groups.setdefault(key, []).append(row)
    found = []
    for (_, metric, date, _, _), group in groups.items():
        values = {(r.get("value"), r.get("min"), r.get("max"), r.get("value_display")) for r in group}
        if len({r["article"] for r in group}) < 2 or len(values) < 2:
            continue
        found.append({"id": f"changed-{len(found) + 1}", "subject": group[0]["subjectName"],
                      "subject_key": group[0]["subject_key"], "metric": metric, "date": date, "rows": group})
    published = lookup.values_of(store, {r["article"]: r["article"] for d in found for r in d["rows"]},
                                 "schema:datePublished")
    for d in found:
        reports: dict[tuple, dict[str, Any]] = {}
        for r in sorted(d.pop("rows"), key=lambda r: (str(published.get(r["article"], "")), r["article"])):
            r["disagreement"] = d["id"]
            reports.setdefault((r["article"], r["value_display"]), {
                "value": r["value_display"], "valueText": r["valueText"], "headline": r["headline"],
                "published": str(published[r["article"]]) if r["article"] in published else None,
                "article_url": r["article_url"], "sentence_url": r["sentence_url"], "url": r["url"],
                "sentence": r["sentence"]})
        d["reports"] = list(reports.values())
    return found


# The columns of the figures download (CSV and JSON), in this order.
FIGURE_COLUMNS = ["subject", "subject_key", "metric", "canonical_metric", "value", "min", "max", "unit", "currency",
                  "value_text", "approximation", "is_change", "date", "confidence", "differs_from_another_report",
                  "sentence", "headline", "sentence_url", "figure_url"]


def figure_rows() -> list[dict[str, Any]]:
    """The figures table as plain rows for download, following the page's filters: metric=, subject= and
    rows= (the page's row filter: the rows whose text contains it, case aside)."""
    data = figures_data()
    needle = request.args.get("rows", "").strip().lower()[:200]
    out = []
    for row in data["figures"]:
        text = " ".join(str(row.get(k) or "") for k in ("subjectName", "metric", "canonical", "valueText", "date",
                                                        "sentence")).lower()
        if needle and needle not in text:
            continue
        out.append({"subject": row.get("subjectName"), "subject_key": row.get("subject_key"),
                    "metric": row["metric"], "canonical_metric": row.get("canonical"), "value": row.get("value"),
                    "min": row.get("min"), "max": row.get("max"), "unit": row.get("unit"),
                    "currency": row.get("currency"), "value_text": row["valueText"],
                    "approximation": row.get("approx"), "is_change": bool(row.get("change")),
                    "date": str(row["date"]) if row.get("date") else None, "confidence": row.get("confidence"),
                    "differs_from_another_report": bool(row.get("disagreement")), "sentence": row["sentence"],
                    "headline": row["headline"],
                    "sentence_url": url_for("pages.home", _external=True).rstrip("/") + row["sentence_url"],
                    "figure_url": url_for("pages.home", _external=True).rstrip("/") + row["url"]})
    return out


def _figure_subject(svc, gen, subject: str) -> tuple[str | None, str, str]:
    """(IRI, name, notice) for the subject filter: a name or alias ("QQ groups", "腾讯") or a key
    (product/qq-groups); a subject that names nothing is said so, never silently ignored."""
    if not subject:
        return None, "", ""
    if "/" in subject:
        try:
            iri = str(svc.minter.entity(subject))
        except ValueError:
            iri = ""
        name = gen.entity_names([subject], svc.minter).get(subject) if iri else None
        if name:
            return iri, name, ""
    found = lookup.find_entities_by_name(gen.store, [subject])
    if not found:
        return None, "", (f"No entity is named {subject!r}: pick a subject from the suggestions, or leave the field "
                          "empty to see every figure.")
    notice = ""
    if len(found) > 1:
        notice = f"{subject!r} names {len(found)} entities; showing {found[0]['name']} ({(svc.minter.entity_key(found[0]['e']) or '').split('/')[0]})."
    return found[0]["e"], found[0]["name"], notice


def _plain_number(value: float) -> str:
    """30.0 -> '30', 380000000.0 -> '380,000,000', 88.9 -> '88.9': what a reader expects, not a float repr."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _figure_value(row: dict[str, Any]) -> str:
    """The value in plain words with its unit: '380,000,000', 'between 1 and 2 million', '88.9 percent'."""
    unit = " ".join(u for u in (row.get("unit"), row.get("currency")) if u)
    if row.get("value") is not None:
        text = _plain_number(row["value"])
    elif row.get("min") is not None and row.get("max") is not None:
        text = f"between {_plain_number(row['min'])} and {_plain_number(row['max'])}"
    elif row.get("min") is not None:
        text = f"at least {_plain_number(row['min'])}"
    elif row.get("max") is not None:
        text = f"at most {_plain_number(row['max'])}"
    else:
        return row.get("valueText") or ""
    return f"{text} {unit}".strip()


def _year_fraction(date: str) -> float | None:
    """'2015' -> 2015.0, '2015-07' -> 2015.5, '2015-08-06' -> 2015.59: a position on a time axis."""
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", str(date or ""))
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
    return year + (min(max(month, 1), 12) - 1) / 12 + (min(max(day, 1), 31) - 1) / 365


def _chart_series(rows: list[dict[str, Any]], most: int = 6) -> list[dict[str, Any]]:
    """Series for the figures chart: one per subject and metric (its canonical metric where known) with
    values on two or more dates; each point keeps its figure's URL so the row filter can follow the table."""
    groups: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        value = row["value"] if row.get("value") is not None else row.get("min")
        when = _year_fraction(row.get("date"))
        if not row.get("subjectName") or value is None or when is None or row.get("change"):
            continue
        metric = (row.get("canonical") or row["metric"]).lower()
        unit = " ".join(u for u in (row.get("unit"), row.get("currency")) if u) or metric
        key = (row["subjectName"], metric, unit)
        series = groups.setdefault(key, {"label": f"{row['subjectName']} · {metric}", "unit": unit, "points": []})
        series["points"].append({"date": str(row["date"]), "t": round(when, 4), "value": value, "url": row["url"],
                                 "text": row.get("valueText") or ""})
    out = []
    for series in groups.values():
        series["points"].sort(key=lambda p: p["t"])
        if len({p["date"] for p in series["points"]}) >= 2:
            out.append(series)
    return out[:most]


FIGURES_SHOWN = 500  # the table shows this many; narrow it with metric= or subject=


def figure_data(article_id: str, n: int) -> dict[str, Any]:
    svc = services()
    iri = str(svc.minter.part(article_id, "figure", n))
    data = lookup.figure(svc.generation().store, iri)
    if data is None:
        raise NotFound(f"no figure {n} in article {article_id!r}")
    data["article_url"] = _article_url(data["article"])
    data["sentence_url"] = _sentence_url(data.get("s")) or data["article_url"]
    data["subject_key"] = svc.minter.entity_key(data["subject"]) if data.get("subject") else None
    data["value_display"] = _figure_value(data)
    return data


LABELS_MAX = 200  # IRIs one /api/labels request may name (a SPARQL page shows at most max_rows rows)


def labels_data() -> dict[str, Any]:
    """{iri: {"name", "url"}} for the entity, article and figure IRIs in SPARQL results: the SPARQL page shows
    names linked to our pages instead of IRIs. Other IRIs are left out; none reaches a query unless re-minted."""
    svc = services()
    gen = svc.generation()
    iris = list(dict.fromkeys(request.values.getlist("iri")))
    if len(iris) > LABELS_MAX:
        raise QueryError(f"parameter iri: at most {LABELS_MAX} IRIs a request, got {len(iris)}; send fewer")
    entities, articles, figures = {}, {}, {}
    for iri in iris:
        minted = svc.minter.parse(iri)
        if minted is None:
            continue
        if minted.kind == "entity":
            entities[iri] = minted.key
        elif minted.kind == "article":
            articles[iri] = minted.article
        elif minted.kind == "part" and minted.part == "figure":
            figures[iri] = (minted.article, minted.n)
    names = gen.entity_names(list(entities.values()), svc.minter)
    out: dict[str, Any] = {iri: {"name": names.get(key, key), "url": entity_url(key)}
                           for iri, key in entities.items()}
    headlines = lookup.values_of(gen.store, {iri: iri for iri in articles}, "schema:headline")
    for iri, article_id in articles.items():
        out[iri] = {"name": headlines.get(iri, article_id), "url": url_for("pages.article", article_id=article_id)}
    for iri, (article_id, n) in figures.items():
        out[iri] = {"name": f"figure {n}", "url": url_for("pages.figure", article_id=article_id, n=n)}
    return {"labels": out}


ARTICLES_PER_PAGE = 25
LOCAL_SOURCE = "(local file)"  # the source= value, and the label, of articles ingested from local files


def articles_data() -> dict[str, Any]:
    """The articles page: every article, sorted by date or title, filtered by source, language and dates."""
    svc = services()
    gen = svc.generation()
    sort = request.args.get("sort", "date")
    if sort not in lookup.ARTICLE_SORTS:
        raise QueryError(f"parameter sort must be one of {', '.join(lookup.ARTICLE_SORTS)}, got {sort[:20]!r}")
    order = request.args.get("order", "desc" if sort == "date" else "asc")
    if order not in ("asc", "desc"):
        raise QueryError(f"parameter order must be 'asc' or 'desc', got {order[:20]!r}")
    source = request.args.get("source", "").strip()[:200]
    langs = _lang_args()
    if len(langs) > 1:
        raise QueryError("parameter lang: one language at a time on the articles page, e.g. lang=zh")
    date_from, date_to = _date_arg("from"), _date_arg("to")
    page = _int_arg("page", 1)
    rows, total = lookup.article_list(
        gen.store, sort=sort, descending=order == "desc",
        source=None if not source else "" if source == LOCAL_SOURCE else source, lang=langs[0] if langs else "",
        date_from=date_from, date_to=date_to, limit=ARTICLES_PER_PAGE, offset=(page - 1) * ARTICLES_PER_PAGE)
    facets = lookup.article_facets(gen.store)
    last_page = max(1, -(-total // ARTICLES_PER_PAGE))
    for row in rows:
        row["url"] = url_for("pages.article", article_id=row["id"])
        row["source"] = row["source"] or LOCAL_SOURCE
        row["language"] = LANGUAGE_NAMES.get(row["lang"] or "", row["lang"] or "")
    return {
        "articles": rows, "total": total, "page": page, "page_size": ARTICLES_PER_PAGE, "last_page": last_page,
        "sort": sort, "order": order, "source": source, "lang": langs[0] if langs else "",
        "date_from": date_from, "date_to": date_to,
        "sources": [dict(s, source=s["source"] or LOCAL_SOURCE) for s in facets["sources"]],
        "languages": [dict(l, name=LANGUAGE_NAMES.get(l["lang"], l["lang"])) for l in facets["languages"]],
        "pages": [{"page": n, "url": _search_link("pages.articles", page=n), "current": n == page} if n else
                  {"gap": True} for n in _page_numbers(page, last_page)],
        "previous_url": _search_link("pages.articles", page=min(page, last_page + 1) - 1) if page > 1 else None,
        "next_url": _search_link("pages.articles", page=page + 1) if page < last_page else None,
        "last_page_url": _search_link("pages.articles", page=last_page),
        # the column headers sort by their column; the sorted one's link turns the order round
        "sort_urls": {key: _search_link("pages.articles", sort=key, page=None, order=(
            ("asc" if order == "desc" else "desc") if key == sort else None)) for key in lookup.ARTICLE_SORTS},
    }


def home_data() -> dict[str, Any]:
    gen = services().generation()
    data = lookup.stats(gen.store)
    data["last_ingest"] = gen.manifest.created
    data["generation"] = gen.manifest.generation
    data["top_entities"] = [_entity_ref(r["e"], r["label"], r["kind"]) | {"mentions": r["mentions"]}
                            for r in lookup.top_entities(gen.store)]
    return data
