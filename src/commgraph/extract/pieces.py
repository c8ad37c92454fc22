"""Long articles parsed in pieces: paragraphs grouped under a size limit, parsed one piece at a time and joined
back into one Doc whose text is the article body, so every offset (mentions, figures, sentences) stays right.

Why: spaCy refuses a text over `nlp.max_length` (1,000,000 characters, error E088), and the parser's memory
grows with the length of one Doc (a 990 KB article took 3.0 GB in one piece). A piece of 100,000 characters
peaks at a few hundred MB whatever the article's length; the joined Doc keeps only the annotations (no
tensors), about 1 KB a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

PIECE_CHARS = 100_000  # far under spaCy's max_length; ~15,000 words, 3-5 s of parsing here
_BREAKS = ("\n\n", "\n", ". ", " ")  # where a piece may end, best first


def split_pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """Consecutive pieces of at most `limit` characters whose concatenation is `text`.

    A piece ends after a paragraph break where there is one in reach (paragraph breaks always start a
    sentence, so the pieces' sentences are the article's), else after a line break, a sentence end or a
    space; only a run of `limit` characters without any of them is cut where it stands.
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


def parse_in_pieces(nlp: "Language", text: str, on_piece: Callable[[int, int], None] | None = None,
                    limit: int = PIECE_CHARS) -> "Doc":
    """One Doc for `text`, parsed piece by piece (see `split_pieces`); `on_piece(n, total)` before each.

    Annotations within a few tokens of a piece boundary can differ from a one-Doc parse (the model reads a
    window of neighbouring tokens); text and offsets are the same.
    """
    from spacy.tokens import Doc

    pieces = split_pieces(text, limit)
    docs = []
    for n, piece in enumerate(pieces, 1):
        if on_piece:
            on_piece(n, len(pieces))
        doc = nlp(piece)
        doc.tensor = None  # tok2vec output: ~400 bytes a token that nothing after the pipeline reads
        docs.append(doc)
    joined = Doc.from_docs(docs, ensure_whitespace=False, exclude=["user_data", "tensor"])
    if joined.text != text:  # from_docs keeps every token's text and trailing space; a change would shift offsets
        raise ValueError("joining the parsed pieces changed the text; report this article")
    return joined
