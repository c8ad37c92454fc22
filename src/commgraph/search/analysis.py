"""The analyzers per language of the Whoosh index: English as Whoosh's StemmingAnalyzer reads it (Porter stems),
Chinese segmented by jieba.

A body such as "腾讯高级执行副总裁汤道生在QQ群的发布会上说" has no spaces, so Whoosh's word regex makes the
whole run one token and `腾讯` never matches. Here every run of word characters that holds Chinese characters
is segmented by jieba (its dictionary ships with the package; nothing is downloaded); other runs are the tokens
Whoosh's StemmingAnalyzer makes, lower-cased, stop-worded and Porter-stemmed exactly as before, so English
indexing and queries are unchanged.

When indexing a body, jieba's "search" mode also yields the dictionary words inside a longer word (董事 and
董事会), so a query for a part of a compound matches; queries and word pairs use the plain segmentation, so a
phrase's consecutive words are the pairs indexed for the text. Traditional characters are segmented and
indexed as Simplified ones (opencc), so 騰訊 and 腾讯 find each other; offsets stay those of the original text.

The analyzer is pickled into the index schema (Whoosh stores it there), with its extra dictionary words but
never jieba's dictionary: each process loads that once, on the first text with Chinese characters (about 1 s
and 75 MB), so English-only processes never pay for it.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Iterable, Iterator

from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.lang.porter import stem

# Han ideographs (CJK Unified, Extension A, compatibility, Extensions B-F in the supplementary plane).
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
HAN = re.compile(f"[{_HAN_CLASS}]")
_WORD = re.compile(r"\w+(\.?\w+)*")  # Whoosh's default tokenizer expression: English tokens stay the same
# Function words that carry no search meaning on their own (jieba's Whoosh analyzer stops the first three).
CHINESE_STOP_WORDS = frozenset("的 了 和 与 及 或 之 其 是 在 也 就 都 而 并 且 着 被 把 对 从".split())
_ENGLISH_MIN = 2  # StemmingAnalyzer's minsize: single Latin letters and digits are not indexed

_segmenters: dict[tuple[str, ...], object] = {}
_segmenters_lock = threading.Lock()


def has_han(text: str) -> bool:
    """Does the text hold a Chinese character?"""
    return HAN.search(text) is not None


@functools.cache
def _traditional_to_simplified():
    import opencc  # its conversion tables ship with the package

    return opencc.OpenCC("t2s")


def simplified(run: str) -> str:
    """A run of Traditional characters in Simplified ones (騰訊 -> 腾讯), or the run itself where the conversion
    would change its length (token offsets must stay those of the original text, for highlights)."""
    converted = _traditional_to_simplified().convert(run)
    return converted if len(converted) == len(run) else run


def segmenter(words: tuple[str, ...] = ()):
    """This process's jieba tokenizer with these extra dictionary words, made and loaded on first use."""
    found = _segmenters.get(words)
    if found is None:
        with _segmenters_lock:
            found = _segmenters.get(words)
            if found is None:
                import jieba  # the dictionary is loaded below, on first use, not at import

                jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines went to stderr
                found = jieba.Tokenizer()
                found.initialize()
                for word in words:
                    found.add_word(simplified(word))
                _segmenters[words] = found
    return found


@functools.lru_cache(maxsize=8192)
def _cut(words: tuple[str, ...], run: str) -> tuple[str, ...]:
    """jieba's words of a run: cached, since each text is analysed for its field and again for its word pairs
    (segmenting was most of the time of indexing a Chinese article)."""
    return tuple(segmenter(words).cut(run))


def _segment(words: tuple[str, ...], run: str, subwords: bool) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) of a run; with `subwords`, jieba's "search" mode: first the dictionary words of two
    and three characters inside a longer word (as jieba.Tokenizer.tokenize does), then the word itself, and
    for a word mixing scripts (QQ群) also its parts."""
    freq = segmenter(words).FREQ if subwords else None
    start = 0
    for word in _cut(words, run):
        end = start + len(word)
        if freq is not None:
            for size in (2, 3):
                if len(word) > size:
                    for i in range(len(word) - size + 1):
                        if freq.get(word[i:i + size]):
                            yield word[i:i + size], start + i, start + i + size
            parts = list(_SCRIPT_PART.finditer(word))
            if len(parts) > 1:
                for part in parts:
                    yield part.group(0), start + part.start(), start + part.end()
        yield word, start, end
        start = end


def warm_up(analyzer) -> threading.Thread | None:
    """Load jieba's dictionary for this analyzer in a background thread (the server calls this when it opens an
    index holding Chinese articles): loading took 1.2 s, 4 s on a busy machine, and was the first Chinese
    query's. A query arriving meanwhile waits for the same load (segmenter's lock), never loads twice."""
    tokenizer = next((item for item in getattr(analyzer, "items", ()) if isinstance(item, MixedTokenizer)), None)
    if tokenizer is None:
        return None
    thread = threading.Thread(target=lambda: (segmenter(tokenizer.words), simplified("漢")), name="jieba-warm-up",
                              daemon=True)
    thread.start()
    return thread


class MixedTokenizer(Tokenizer):
    """Whoosh's word tokens, with each run holding Chinese characters cut into words by jieba.

    `words`: extra dictionary words (names such as 兴趣部落 or B站 that jieba would split); they are part of the
    pickled schema, so queries are segmented with the dictionary their index was built with. `subwords`: when
    indexing, also the dictionary words inside longer ones (not for word pairs: they must be consecutive words).
    """

    def __init__(self, words: Iterable[str] = (), subwords: bool = True) -> None:
        self.words = tuple(sorted({w for w in words if w and has_han(w)}))
        self.subwords = subwords

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and (other.words, other.subwords) == (self.words, self.subwords)

    def __hash__(self) -> int:
        return hash((self.words, self.subwords))

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        if not has_han(value):  # English (most text): Whoosh's RegexTokenizer loop, no per-word checks
            for pos, match in enumerate(_WORD.finditer(value), start_pos):
                token.text = match.group(0)
                token.boost, token.stopped = 1.0, False
                if keeporiginal:
                    token.original = token.text
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
                yield token
            return
        jieba_mode = "search" if mode == "index" and self.subwords else "default"
        pos = start_pos
        for match in _WORD.finditer(value):
            run = match.group(0)
            if not has_han(run):
                pieces: Iterable[tuple[str, int, int]] = ((run, 0, len(run)),)
            else:
                # Segmented and indexed in Simplified characters, so 騰訊 and 腾讯 find each other; jieba's
                # dictionary is Simplified (it cut 騰訊微信用戶 as 騰訊微/信用/戶).
                run = simplified(run)
                pieces = _segment(self.words, run, jieba_mode == "search")
            for text, begin, end in pieces:
                if not text.strip() or not _WORD.match(text):
                    continue  # jieba yields the spaces and punctuation inside a run as pieces of their own
                token.text = text
                token.boost, token.stopped = 1.0, False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start() + begin
                    token.endchar = start_char + match.start() + end
                pos += 1
                yield token


_SCRIPT_PART = re.compile(f"[{_HAN_CLASS}]+|[^{_HAN_CLASS}]+")
_HAN_RUN = re.compile(f"[{_HAN_CLASS}]+")


class HighlightTokens:
    """An analyzer for Whoosh's highlighter over a text with Chinese in it: English runs as `analyzer` reads
    them; in Chinese runs every occurrence of a Chinese query term (found in the Simplified text, so 騰訊
    is marked for 腾讯, and 董事 inside 董事会), and context tokens for the fragmenter. Segmenting the
    passages with jieba instead cost 3 ms a hit, ten times an English hit."""

    def __init__(self, analyzer, terms: Iterable[str]) -> None:
        self.analyzer = analyzer
        self.terms = sorted({t for t in terms if has_han(t)}, key=len, reverse=True)

    def __call__(self, text: str, chars: bool = True, mode: str = "", removestops: bool = False, **kwargs):
        spans: list[tuple[int, int, str]] = []
        last = 0
        for run in _HAN_RUN.finditer(text):
            if run.start() > last:
                spans += self._english(text[last:run.start()], last, mode, removestops)
            # context for the fragmenter, four characters a token (a passage ends within three of its limit)
            spans += [(i, min(i + 4, run.end()), "") for i in range(run.start(), run.end(), 4)]
            last = run.end()
        spans += self._english(text[last:], last, mode, removestops)
        # Terms are looked for in the whole text (a term may mix scripts: qq群), in Simplified lower case with
        # every character where it was
        searched = _HAN_RUN.sub(lambda run: simplified(run.group(0)), text)
        lowered = searched.lower()
        searched = lowered if len(lowered) == len(searched) else searched
        for term in self.terms:
            found = searched.find(term)
            while found >= 0:
                spans.append((found, found + len(term), term))
                found = searched.find(term, found + 1)
        spans.sort(key=lambda span: (span[0], -span[1]))
        token = Token(chars=True, removestops=removestops, mode=mode)
        for start, end, term in spans:
            token.text, token.startchar, token.endchar = term, start, end
            token.boost, token.stopped = 1.0, False
            yield token

    def _english(self, text: str, offset: int, mode: str, removestops: bool) -> list[tuple[int, int, str]]:
        if not text:
            return []
        return [(t.startchar, t.endchar, t.text) for t in self.analyzer(
            text, chars=True, start_char=offset, mode=mode, removestops=removestops)]


class MixedStopFilter(StopFilter):
    """StopFilter for English tokens (its stop list, at least two characters); Chinese tokens of any length are
    kept unless they are Chinese function words (a single character such as 群 is a word)."""

    def __call__(self, tokens):
        stops, minsize, maxsize = self.stops, self.min, self.max
        for token in tokens:
            text = token.text
            if not text.isascii() and has_han(text):  # isascii: a flag lookup, most tokens are English
                keep = text not in CHINESE_STOP_WORDS
            else:
                keep = len(text) >= minsize and (maxsize is None or len(text) <= maxsize) and text not in stops
            if keep:
                token.stopped = False
                yield token
            elif not token.removestops:
                token.stopped = True
                yield token


class MixedStemFilter(StemFilter):
    """Porter stems for English tokens only: a Chinese word is its own stem."""

    def __call__(self, tokens):
        stem_of = self._stem
        for token in tokens:
            if not token.stopped and (token.text.isascii() or not has_han(token.text)):
                token.text = stem_of(token.text)
            yield token


def ChineseAwareAnalyzer(words: Iterable[str] = (), subwords: bool = True) -> CompositeAnalyzer:
    """The analyzer of the title and body fields (and, with `subwords=False` and a pair filter, of their
    word-pair fields)."""
    return (MixedTokenizer(words, subwords) | LowercaseFilter() | MixedStopFilter(minsize=_ENGLISH_MIN)
            | MixedStemFilter(stemfn=stem, ignore=None, cachesize=50000))


def passages(body: str, words: list[str], radius: int = 200, most: int = 2) -> str:
    """The text around the first matches of at most `most` query words, merged where they overlap; both engines
    show it. Only the passages around the first matches: Whoosh re-analyses every token it highlights, and whole
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
