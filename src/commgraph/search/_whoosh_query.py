"""The user's query syntax read into a Whoosh query: phrases, AND/OR/NOT, entity fields and lang:, never the
parser's wildcard, fuzzy, range or boost syntax (they can hang the index); words that name known entities
also match the articles mentioning them (EntityNamesPlugin)."""

from __future__ import annotations

import re

from whoosh import qparser
from whoosh.fields import Schema
from whoosh.qparser import syntax
from whoosh.query import Query

from ..errors import QueryError
from .protocol import TYPE_FIELDS, EntitiesNamed

MAX_QUERY_CHARS = 500


_CHINESE_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"', "＂": '"'})


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
