"""Long articles extracted in pieces: paragraphs grouped under a size limit, each piece parsed and extracted on
its own, the pieces' facts joined into one `Extraction` with offsets (characters and sentences) of the whole
body, so mentions, figures and sentences point where they did.

Why: spaCy refuses a text over `nlp.max_length` (1,000,000 characters, error E088); the parser's memory grows
with the length of one Doc (a 990 KB article took 3.0 GB in one piece); and some rules look across a whole
Doc (a 400,000-character Doc took 70 s after parsing, a 100,000-character piece a few). Per piece, time grows
with the length of the article and memory stays that of one piece plus the plain facts.

What a piece does not see: an alias introduced in an earlier piece ("Tang" after "Tang Daosheng") and a
reference across the boundary. Paragraph breaks always start a sentence, so no sentence is cut.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from ..sources import Article
from .model import Entity, Extraction

PIECE_CHARS = 100_000  # far under spaCy's max_length; ~15,000 words, 3-5 s of parsing here
_BREAKS = ("\n\n", "\n", ". ", " ")  # where a piece may end, best first


def split_pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """Consecutive pieces of at most `limit` characters whose concatenation is `text`.

    A piece ends after a paragraph break where there is one in reach, else after a line break, a sentence end
    or a space; only a run of `limit` characters without any of them is cut where it stands.
    """
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window_end = start + limit
        for sep in _BREAKS:
            cut = text.rfind(sep, start + 1, window_end - len(sep) + 1)
            if cut > start:
                end = cut + len(sep)
                break
        else:
            end = window_end
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def extract_in_pieces(article: Article, extract: Callable[[Article], Extraction],
                      limit: int = PIECE_CHARS) -> Extraction:
    """`extract` run on each piece of the body (an Article with that body), the results joined."""
    parts = []
    offset = 0
    for piece in split_pieces(article.body, limit):
        parts.append((offset, extract(dataclasses.replace(article, body=piece))))
        offset += len(piece)
    return join_extractions(article, parts)


def join_extractions(article: Article, parts: list[tuple[int, Extraction]]) -> Extraction:
    """One Extraction from pieces' (character offset, Extraction): every fact's `start`/`end` moved by the
    piece's offset and its `sentence` by the sentences before it; entities merged by key."""
    lists = [f.name for f in dataclasses.fields(Extraction) if f.name not in ("article", "sentences", "entities")]
    joined: dict[str, list] = {name: [] for name in lists}
    sentences: list = []
    entities: dict[str, Entity] = {}
    for offset, part in parts:
        before = len(sentences)
        sentences += [dataclasses.replace(s, index=s.index + before, start=s.start + offset, end=s.end + offset)
                      for s in part.sentences]
        for name in lists:
            joined[name] += [_moved(item, offset, before) for item in getattr(part, name)]
        for key, entity in part.entities.items():
            if key not in entities:
                entities[key] = dataclasses.replace(entity, aliases=set(entity.aliases), names=dict(entity.names))
            else:
                entities[key].aliases |= entity.aliases
                for lang, name in entity.names.items():
                    entities[key].names.setdefault(lang, name)
    return Extraction(article=article, sentences=sentences, entities=entities, **joined)


def _moved(item, offset: int, sentences_before: int):
    changes = {name: getattr(item, name) + offset for name in ("start", "end") if hasattr(item, name)}
    if hasattr(item, "sentence"):
        changes["sentence"] = item.sentence + sentences_before
    return dataclasses.replace(item, **changes)
