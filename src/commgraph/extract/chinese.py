"""The Chinese pipeline: spaCy's Chinese language class segmenting with jieba, an entity ruler from the bilingual
gazetteer, and rules for persons, organisations, figures, quotes and roles. Nothing is downloaded: jieba ships
its dictionary (it writes a cache file to the temp directory), opencc its conversion tables.

Traditional text is converted to Simplified (character for character, so every offset stays valid) before it
is matched; mentions, quotes and titles are cut from the original text and keep its script. Produces the same
plain `Extraction` as the English path. Loaded only when a Chinese article comes (see `Extractor`).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import TYPE_CHECKING, Iterable, Iterator

from ..sources import Article
from .chinese_text import _HAN_CHAR, HAN, Facts, Vocabulary, normalise_numbers, to_simplified
from .entities import entity_key
from .model import Entity, Extraction, Mention, Sentence
from .rules import KnownEntity, Rules

if TYPE_CHECKING:
    from spacy.language import Language

SENTENCE_ENDS = ["。", "！", "？", "!", "?"]
# jieba tags of proper nouns: nr person, ns place, nt organisation, nz other proper noun, eng Latin word
PROPER_TAGS = {"nr", "nrfg", "nrt", "ns", "nt", "nz", "eng"}
# Words that end the text before an event's name ("在北京举办的" 移动社群大会)
_EVENT_BREAKS = ("在", "于", "的", "和", "与", "、", "举办", "召开", "出席", "参加", "举行", "亮相", "宣布", "表示", "上")


# Marks that end a clause: the head of the next one starts after them
_CLAUSE_MARKS = "，,。；;：:！？!?“”「」、\n（）()《》 "

# jieba tags of words that are no part of a name: prepositions, particles, pronouns, conjunctions, adverbs,
# numerals, localisers, punctuation, quantifiers
_FUNCTION_TAGS = ("p", "u", "r", "c", "d", "m", "f", "x", "q", "y", "e", "o")

# Words that introduce a person's title before the name, joined to it by 的 or a comma ("作为B站的创始人，徐逸")
_AS_TITLE = "作为|身为|新任|现任|时任"
# A foreign name written in Chinese: its parts joined by a middle dot ("马克·扎克伯格", "蒂姆·库克")
_DOTTED_NAME = re.compile(f"[{HAN}]{{1,6}}[·•‧][{HAN}]{{1,8}}(?:[·•‧][{HAN}]{{1,8}})?")
# A name in Chinese characters and its English form in brackets ("朱克伯格(Mark Zuckerberg)", "简勤佑（Kenz Chen）"):
# the Chinese name is all the characters before the bracket, however long
_NAME_WITH_ENGLISH = re.compile(f"([{HAN}]{{2,5}})[（(]\\s?([A-Z][a-z]+(?: [A-Z][a-z]+){{1,2}})\\s?[）)]")
# at a clause's start, not after a word; a given name of at most four characters before the dot
_DOTTED_ALONE = re.compile(f"(?<![{HAN}])[{HAN}]{{1,4}}[·•‧][{HAN}]{{1,8}}(?:[·•‧][{HAN}]{{1,8}})?")

# How a Chinese mention was found, and how far that is trusted (on the tune fixtures: gazetteer names right
# every time, persons confirmed by a title or a speech verb nearly always, organisations by suffix less often).
METHODS = {"gazetteer": 0.95, "local alias in brackets": 0.85, "person: jieba nr or title, with a cue": 0.85,
           "organisation: name ending in a suffix": 0.7, "company form of a known name": 0.9,
           "work: title in 《》": 0.85, "event: name ending in 大会, 峰会 ...": 0.7,
           "product: quoted name after a product noun": 0.7, "product: Latin name in Chinese text": 0.5,
           "product: name before App": 0.6, "place: jieba ns": 0.7,
           "organisation: name before a title and a person": 0.6}
METHODS_BY_STEP = {"_gazetteer_text": "gazetteer", "_bracket_aliases": "local alias in brackets",
                   "_persons": "person: jieba nr or title, with a cue",
                   "_organisations": "organisation: name ending in a suffix",
                   "_legal_forms": "company form of a known name", "_works": "work: title in 《》",
                   "_events": "event: name ending in 大会, 峰会 ...",
                   "_quoted_products": "product: quoted name after a product noun",
                   "_latin_names": "product: Latin name in Chinese text",
                   "_apps": "product: name before App", "_places": "place: jieba ns",
                   "_employers": "organisation: name before a title and a person"}


class JiebaTagger:
    """spaCy tokenizer: jieba's part-of-speech segmenter (its own dictionary plus the gazetteer's names, titles
    and speech verbs as user words), so that every token carries jieba's tag (nr person, ns place, ...)."""

    def __init__(self, vocab, words: Iterable[tuple[str, str]]) -> None:
        import logging

        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        # An own Tokenizer: jieba's default one is shared with the search analyzer, which must not change. It
        # starts from a copy of the default one's dictionary, which spaCy's jieba segmenter has loaded already
        # (loading it again cost 2.5 s; the copy 0.05 s).
        jieba.dt.check_initialized()
        self.segmenter = jieba.Tokenizer()
        self.segmenter.FREQ, self.segmenter.total = dict(jieba.dt.FREQ), jieba.dt.total
        self.segmenter.initialized = True
        for word, tag in words:
            self.segmenter.add_word(word, tag=tag)
        self.posseg = jieba.posseg.POSTokenizer(self.segmenter)
        self.vocab = vocab

    def __call__(self, text: str):
        from spacy.tokens import Doc

        # Without jieba's HMM (3.3x faster; names it would find are looked for near their cues, see _Found)
        pairs = [(p.word, p.flag) for p in self.posseg.cut(text, HMM=False) if p.word]
        words = [w for w, _ in pairs]
        if "".join(words) != text:  # jieba keeps every character; if it ever did not, offsets would drift
            raise ValueError("jieba lost characters of the text")
        return Doc(self.vocab, words=words, spaces=[False] * len(words), tags=[t or "x" for _, t in pairs])


def build_chinese_pipeline(rules: Rules) -> "Language":
    """spaCy's Chinese class with jieba (config segmenter "jieba"), our tagging segmenter, sentence ends and
    paragraph breaks, and an entity ruler with every gazetteer name (Simplified Chinese and Latin)."""
    import logging

    import jieba
    import spacy

    from .nlp import _register_components

    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict ..." on stderr for every ingest
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    vocab = Vocabulary.from_rules(rules)
    words = [(name, "nz") for known in rules.known for name in (known.name, *known.aliases) if _HAN_CHAR.search(name)]
    words += [(w, "n") for w in rules.chinese.get("titles", {}).get("heads", []) if _HAN_CHAR.search(w)]
    words += [(w, "v") for w in rules.chinese.get("speech", {}).get("verbs", []) if len(w) > 1]
    nlp.tokenizer = JiebaTagger(nlp.vocab, words)
    _register_components()
    nlp.add_pipe("sentencizer", config={"punct_chars": SENTENCE_ENDS})
    nlp.add_pipe("commgraph_paragraphs")
    ruler = nlp.add_pipe("entity_ruler", name="gazetteer")
    ruler.add_patterns([{"label": known.type, "pattern": text, "id": known.name}
                        for known in rules.known for text in (known.name, *known.aliases)])
    nlp.get_pipe("gazetteer")._vocabulary = vocab  # type: ignore[attr-defined]
    return nlp


class ChineseExtractor:
    """The Chinese pipeline and its rules; articles in, `Extraction`s out."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.nlp = build_chinese_pipeline(rules)
        self.vocab = Vocabulary.from_rules(rules)
        self.alias_table = rules.alias_table()
        names = {n for known in rules.known for n in (known.name, *known.aliases) if _HAN_CHAR.search(n)}
        self.gazetteer_pattern = re.compile("|".join(
            rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])" if re.match("[A-Za-z]", n[-1]) or re.match("[A-Za-z]", n[0])
            else re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)")

    def extract_many(self, articles: Iterable[Article]) -> Iterator[Extraction]:
        for article in articles:
            yield self.extract(article)

    def extract(self, article: Article) -> Extraction:
        from .chinese_facts import extract_figures
        from .chinese_people import extract_quotes, extract_roles

        text = article.body
        simple = normalise_numbers(to_simplified(text))
        doc = self.nlp(simple)
        sentences = _sentences(doc, text)
        starts = [s.start for s in sentences]

        def sentence_of(char: int) -> int:
            return max(0, bisect.bisect_right(starts, char) - 1)

        found = _Found(self, text, simple, doc, sentence_of)
        found.run()
        facts = found.facts()
        figures = extract_figures(facts, article.date)
        roles = extract_roles(facts)
        quotes = extract_quotes(facts)
        entities = found.entities()
        used = {m.entity for m in found.mentions}
        return Extraction(article=article, sentences=sentences,
                          entities={k: e for k, e in entities.items() if k in used}, mentions=found.mentions,
                          figures=figures, roles=roles, quotes=quotes, relations=[])


def _sentences(doc, text: str) -> list[Sentence]:
    """Sentences found on the Simplified doc, cut from the original text (same offsets, its own script)."""
    out = []
    for span in doc.sents:
        raw = text[span.start_char:span.end_char]
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if body:
            out.append(Sentence(len(out), span.start_char + lead, span.start_char + lead + len(body), body))
    return out or [Sentence(0, 0, len(text), text)]


class _Found:
    """Mentions found in one article: gazetteer names, local aliases, persons confirmed by cues, organisations
    by their suffix; each resolved to one entity key shared with the English pipeline where the name is known."""

    def __init__(self, owner: ChineseExtractor, text: str, simple: str, doc, sentence_of) -> None:
        self.owner, self.text, self.simple, self.doc, self.sentence_of = owner, text, simple, doc, sentence_of
        self.vocab = owner.vocab
        self.tokens = [(t.idx, t.idx + len(t.text), t.tag_) for t in doc]
        self.token_at = {start: i for i, (start, _, _) in enumerate(self.tokens)}
        self.spans: list[tuple[int, int, str]] = []  # (start, end, entity key)
        self.entity_of: dict[str, Entity] = {}
        self.known_of: dict[str, KnownEntity] = {}
        self.surface: dict[str, Counter] = {}
        self.mentions: list[Mention] = []
        self._occupied = bytearray(len(simple) + 1)  # 1 where a span found so far lies (see _covered)
        self._dirty = False
        self.method_of: dict[tuple[int, int], str] = {}  # how each span was found, with its trust (see METHODS)
        self.english_form: dict[str, str] = {}  # a person's name -> its English form in brackets after it
        self._step = "gazetteer"

    def run(self) -> None:
        for ent in self.doc.ents:
            known = self.owner.alias_table.get(ent.ent_id_.lower()) or self.owner.alias_table.get(ent.text.lower())
            if known is not None and not self._ends_inside_a_word(ent.start_char, ent.end_char) \
                    and not self._inside_a_latin_word(ent.start_char, ent.end_char):
                self._add(ent.start_char, ent.end_char, self._known(known))
        # (aliases in brackets read again after the organisations named by a suffix: "信息平台与服务线（信服线）")
        for step in (self._gazetteer_text, self._bracket_aliases, self._works, self._persons, self._organisations,
                     self._bracket_aliases, self._events, self._quoted_products, self._legal_forms, self._apps, self._places,
                     self._latin_names, self._employers):
            self._step = METHODS_BY_STEP[step.__name__]
            step()
        self._finish()

    # entities ---------------------------------------------------------------------------------------------
    def _known(self, known: KnownEntity) -> str:
        key = entity_key(known.type, known.name)
        if key not in self.entity_of:
            self.entity_of[key] = Entity(key=key, name=known.name, type=known.type)
            self.known_of[key] = known
        return key

    def _new(self, name: str, type_: str) -> str:
        """An entity the gazetteer does not know; a person named in Chinese is keyed by the pinyin of the name
        (surname first), which is the key an English report's "Chen Rui" or "Rui Chen" gets."""
        if type_ == "Person":
            # (a name the article also writes in English, "朱克伯格(Mark Zuckerberg)", is keyed by that: the key an
            # English report's "Mark Zuckerberg" gets)
            english = self.english_form.get(name)
            known = self._known_person(name) or (self.owner.alias_table.get(english.lower()) if english else None)
            if known is not None and known.type == "Person":
                return self._known(known)
            key = entity_key("Person", english or (name if _DOTTED_NAME.fullmatch(name) else pinyin_name(name, self.vocab)))
        else:
            key = entity_key(type_, name)
        if key not in self.entity_of:
            self.entity_of[key] = Entity(key=key, name=name, type=type_)
        return key

    def _known_person(self, name: str) -> KnownEntity | None:
        romanised = pinyin_name(name, self.vocab).lower()
        given_first = " ".join(reversed(romanised.split(" ", 1)))
        for form in (romanised, given_first):
            known = self.owner.alias_table.get(form)
            if known is not None and known.type == "Person":
                return known
        return None

    def _add(self, start: int, end: int, key: str, method: str = "") -> None:
        self.spans.append((start, end, key))
        if not self._dirty:
            self._occupied[start:end] = b"\x01" * (end - start)
        if method or (start, end) not in self.method_of:
            self.method_of[(start, end)] = method or self._step

    def _covered(self, start: int, end: int) -> bool:
        """Whether a span found before overlaps start..end: a look-up in a character map (a scan of every span
        for every candidate cost 3 s of a 63,000-character article), rebuilt after spans were dropped."""
        if self._dirty:
            self._occupied = bytearray(len(self.simple) + 1)
            for s, e, _ in self.spans:
                self._occupied[s:e] = b"\x01" * (e - s)
            self._dirty = False
        return any(self._occupied[start:end])

    def _gazetteer_text(self) -> None:
        """Gazetteer names the ruler missed where jieba cut across them ("唐岩笑了笑" as 唐/岩笑): matched on
        the characters, longest first; a Latin name only between non-Latin characters."""
        for match in self.owner.gazetteer_pattern.finditer(self.simple):
            start, end = match.span()
            if self._ends_inside_a_word(start, end):  # "中国移动互联网": the shorter known name 中国 is meant
                end = next((start + k for k in range(end - start - 1, 1, -1)
                            if self.owner.alias_table.get(self.simple[start:start + k].lower()) is not None
                            and not self._ends_inside_a_word(start, start + k)), start)
            if end > start and not self._covered(start, end):
                known = self.owner.alias_table.get(self.simple[start:end].lower())
                if known is not None:
                    self._add(start, end, self._known(known))

    def _inside_a_latin_word(self, start: int, end: int) -> bool:
        """'KKB站长': jieba cut B站 (Bilibili) out of a Latin name; a name that begins or ends with a Latin letter
        is none where more Latin letters or digits join it."""
        latin = re.compile("[A-Za-z0-9]")
        return bool(latin.match(self.simple[start]) and start > 0 and latin.match(self.simple[start - 1])
                    or latin.match(self.simple[end - 1]) and end < len(self.simple) and latin.match(self.simple[end]))

    def _ends_inside_a_word(self, start: int, end: int) -> bool:
        """Whether the name's last characters begin a longer common word ("中国移动互联网" is China's mobile
        internet, not China Mobile: chinese.toml [names] words_across_a_name), or the name lies across two
        common words of jieba's dictionary ("其中|兴趣": no 中兴 there)."""
        if any(self.simple.startswith(w, i) and i + len(w) > end
               for w in self.vocab.words_across_a_name for i in range(max(start + 1, end - len(w) + 1), end)):
            return True
        freq = self.owner.nlp.tokenizer.segmenter.FREQ
        return start > 0 and _HAN_CHAR.match(self.simple[start]) is not None \
            and freq.get(self.simple[start - 1:start + 1], 0) > 1000 and freq.get(self.simple[end - 1:end + 1], 0) > 1000

    # local aliases: 哔哩哔哩（下称“B站”）, 快手科技（Kuaishou Technology）------------------------------------------
    def _bracket_aliases(self) -> None:
        # (a Hong Kong filing's "（「騰訊」或「本公司」，股份代號：00700）": the first quoted name)
        pattern = re.compile(r"[（(](?:下称|以下简称|简称|下文简称|英文名)?[：:]?[“「\"]?([^（）()“”「」\"]{1,30}?)[”」\"]?"
                             r"(?:[)）]|(?<=[”」\"])(?:或|[，,])[^（）()]{0,40}[）)])")
        by_end = {e: k for _, e, k in self.spans}
        for match in pattern.finditer(self.simple):
            key = by_end.get(match.start())
            alias = match.group(1).strip()
            if key is None or not alias or self.vocab.titles.search(alias):
                continue
            for found in re.finditer(re.escape(alias), self.simple):
                if not self._covered(found.start(), found.end()):
                    self._add(found.start(), found.end(), key)

    # persons ----------------------------------------------------------------------------------------------
    def _persons(self) -> None:
        names: set[str] = set()
        simple = self.simple
        for english in _NAME_WITH_ENGLISH.finditer(simple):  # (the name is an ending of the characters matched)
            for k in range(len(english.group(1)) - 1):
                self.english_form.setdefault(english.group(1)[k:], english.group(2))
        nicknames: set[str] = set()
        for match in self.vocab.title_chain.finditer(simple):
            at = match.end() + (1 if simple.startswith(" ", match.end()) else 0)
            dotted = _DOTTED_NAME.match(simple, at)
            english = _NAME_WITH_ENGLISH.match(simple, at)
            name = self._dotted_name(dotted) if dotted else english.group(1) if english else self._name_at(at)
            if name and not self._preposition_at(at):
                names.add(name)
            # "PTT站长「小胖」说": a name in quotation marks right after a title, then a speech verb, is what the
            # person goes by (no surname needed)
            nickname = re.match(rf"[“「]([{HAN}]{{2,4}})[”」]", simple[at:at + 6])
            if nickname and self._speech_follows(simple[at + nickname.end():at + nickname.end() + 16]):
                nicknames.add(nickname.group(1))
            # "豆瓣创始人阿北", "站长老周说": a familiar name (阿 / 老 / 小 and one character) right after a title
            familiar = re.match(rf"(?:{'|'.join(self.vocab.familiar_prefixes) or '(?!)'})[{HAN}](?![{HAN}])"
                                rf"|(?:{'|'.join(self.vocab.familiar_prefixes) or '(?!)'})[{HAN}](?=[的说称表在“「])",
                                simple[at:at + 4])
            if familiar and not self._common_word(familiar.group(0)) and not self.owner.alias_table.get(familiar.group(0)):
                nicknames.add(familiar.group(0))
        # "作为B站的创始人，徐逸…", "身为快手CEO的程一笑": a title introduced by 作为 / 身为 / 新任, then 的 or a comma
        for match in re.finditer(rf"(?:{_AS_TITLE})[^，,。；]{{0,12}}?(?:{self.vocab.title_chain.pattern})(?:的|[，,]\s?)",
                                 simple):
            name = self._name_at(match.end())
            if name and not self._is_word(name):
                names.add(name)
        # "朱克伯格(Mark Zuckerberg)表示": a name written in Chinese, then its English form, then a speech verb
        for english in _NAME_WITH_ENGLISH.finditer(simple):
            if (english.start() == 0 or simple[english.start() - 1] in _CLAUSE_MARKS) \
                    and self._speech_follows(simple[english.end():english.end() + 16]):
                names.add(english.group(1))
        # "马克·扎克伯格表示": a transliterated name (parts joined by ·) before a speech verb
        for dotted in _DOTTED_ALONE.finditer(simple):
            name = self._dotted_name(dotted)
            if self.vocab.titles.search(name):
                continue  # "创始人马克·扎克伯格": the title's own rule reads the name after it
            if self._speech_follows(simple[dotted.start() + len(name):dotted.start() + len(name) + 16]):
                names.add(name)
        # "由杜奕瑾在1995年架设的", "由王兴于2010年创办": the agent of a verb of founding after 由 is a person
        founding = "|".join(re.escape(w) for w in self.vocab.founding_verbs)
        for match in re.finditer(rf"由(?=[{HAN}]{{2,4}}?(?:在|于)?[^，,。；\n]{{0,12}}?(?:{founding}))", simple) if founding else ():
            name = self._name_at(match.end())
            if name and not self._is_word(name) and not self._covered(match.end(), match.end() + len(name)):
                names.add(name)
        # "网友张伟", "UP主李娜": a name after a word for a kind of person (no role)
        people = "|".join(re.escape(w) for w in self.vocab.person_nouns)
        for match in re.finditer(f"(?:{people})", simple) if people else ():
            name = self._name_at(match.end())
            if name and not self._covered(match.end(), match.end() + len(name)) and not self._is_word(name):
                names.add(name)
            # "UP主“老番茄”", "博主@papi酱": the name a creator goes by, in quotation marks or as a handle (Latin
            # letters and at most one character that ends a word, or characters up to a space or a stop)
            at = match.end()
            handle = re.match(rf"[“「]([{HAN}A-Za-z0-9_]{{2,10}})[”」]|@([A-Za-z0-9_\-]{{2,20}}(?:[{HAN}](?![A-Za-z0-9]))?)"
                              rf"|@([{HAN}A-Za-z0-9_]{{2,12}})(?=[\s，,。：:、）)]|$)", simple[at:at + 24])
            name = handle and next(g for g in handle.groups() if g)
            if handle and handle.group(2) and _HAN_CHAR.match(name[-1]) and at + handle.end() not in self.token_at:
                name = name[:-1]  # "@papi发布": the character begins the next word
            if handle and not self._covered(at, at + handle.end()) and self.owner.alias_table.get(name.lower()) is None:
                nicknames.add(name)
        for start, end, tag in self.tokens + self._clause_names():
            if tag not in ("nr", "nrfg") or not 2 <= end - start <= 4 or self._covered(start, end):
                continue
            word = simple[start:end]
            if not self._surname_of(word):
                continue
            rest = simple[end:end + 16]
            if self._speech_follows(rest) or rest[:1] in "（(":
                names.add(word if word[-1] not in self.vocab.never_end else word[:-1])
        # "张伟先生", "李娜女士"; "汤道生是腾讯的高级执行副总裁", "王力担任陌陌首席运营官": a name before a
        # courtesy title, or before 是 / 担任 with a job title in the same clause
        # ("陈一丹不再担任首席行政官", "许晨晔为首席信息官", "赖智明作为腾讯集团副总裁": an adverb and any verb
        # of appointment, chinese.toml [titles] appointments)
        # (a bare 任 only after an adverb: "曾兼任" is no name 曾兼)
        verbs = "|".join(filter(None, (f"(?:{self.vocab.adverbs})任|是|为|作为|担任",
                                       self.vocab.appointments.pattern.replace("(?!)", ""))))
        # ("任命卢山为…高级执行副总裁", "由王剑伟接任…负责人": a verb of appointing before the name)
        appointing = "|".join(re.escape(w) for w in self.vocab.appointing)
        for match in re.finditer(rf"(?<![{HAN}])([{HAN}]{{2,4}}?)(?:先生|女士)|(?:(?:^|(?<=[，,。；：“\n和、与及]))"
                                 rf"(?:{appointing or '(?!)'})?|(?:{appointing or '(?!)'}))([{HAN}]{{2,4}}?)"
                                 rf"(?:(?:{self.vocab.adverbs})?(?:{verbs}))(?=[^，。；\n]{{0,20}}?(?:{self.vocab.titles.pattern}))",
                                 simple):
            start = match.start(1) if match.group(1) else match.start(2)
            name = self._name_at(start)
            if name and len(name) <= len(match.group(1) or match.group(2)) and (match.group(1) or not self._is_word(name)):
                names.add(name)
        names |= self._listed_after(names)
        for name in sorted((names | nicknames) - self.vocab.not_names, key=len, reverse=True):
            if self.owner.alias_table.get(name) is not None:
                continue  # a gazetteer name (already a mention)
            key = self._new(name, "Person")
            for found in re.finditer(re.escape(name), simple):
                if not self._covered(found.start(), found.end()):
                    self._add(found.start(), found.end(), key)

    def _preposition_at(self, at: int) -> bool:
        """'分析师向本报指出', '发言人对记者说': a preposition that is also a surname (向, 对 ...), then a common word,
        is no name after the title."""
        freq = self.owner.nlp.tokenizer.segmenter.FREQ
        return self.simple[at:at + 1] in self.vocab.prepositions and freq.get(self.simple[at + 1:at + 3], 0) > 1000

    def _listed_after(self, names: set[str]) -> set[str]:
        """'记者白瀛、史竞男', '张一鸣、梁汝波表示': names joined to a person's name by 、 / 和 / 与 are persons too, when
        each starts with a surname, is no common word and ends where the list goes on or the clause ends."""
        found: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            for match in re.finditer(re.escape(name) + "[、和与及]", self.simple):
                other = self._name_at(match.end())
                after = self.simple[match.end() + len(other):match.end() + len(other) + 1]
                if other and other not in names | found and not self._is_word(other) \
                        and (after in "、和与及，,。；）)" or self._speech_follows(self.simple[match.end() + len(other):][:16])):
                    found.add(other)
                    todo.append(other)
        return found

    def _dotted_name(self, match: re.Match) -> str:
        """A transliterated name up to where its last part meets a speech verb, an adverb or a character that
        never ends a name ("马克·扎克伯格表示" -> 马克·扎克伯格, "蒂姆·库克此前" -> 蒂姆·库克)."""
        last = max(match.group(0).rfind(d) for d in "·•‧") + 1
        stop = re.compile(f"(?:{self.vocab.speech.pattern}|{self.vocab.adverbs}|在|[{''.join(self.vocab.never_end)}])")
        cut = stop.search(match.group(0), last + 1)
        return match.group(0)[:cut.start()] if cut else match.group(0)

    def _clause_names(self) -> list[tuple[int, int, str]]:
        """Names jieba's dictionary lacks (刘炽平) at the head of a clause that ends in a speech verb ("李建华在
        发布会上指出"). Its HMM would find them but cost 70 % of the pipeline, so the text is cut without it:
        an unknown name then falls apart into single characters, the first a surname; `_name_at` reads it."""
        found = []
        single = {start: end - start == 1 for start, end, _ in self.tokens}
        for match in self.vocab.speech.finditer(self.simple):
            lo = match.start()
            while lo > max(0, match.start() - 20) and self.simple[lo - 1] not in "，,。；;：:！？“”「」\n":
                lo -= 1
            for lead in ("据", "对此", "对于", "随后", "此前", "同时", "而", "则"):  # "据李明介绍"
                if self.simple.startswith(lead, lo) and lo + len(lead) < match.start():
                    lo += len(lead)
                    break
            if not single.get(lo) or self._covered(lo, lo + 1):
                continue
            name = self._name_at(lo)
            if name and (all(single.get(lo + k, True) for k in range(len(name))) or self._given_name_tagged(lo, name)) \
                    and not self._is_word(name):
                found.append((lo, lo + len(name), "nr"))
        return found

    def _given_name_tagged(self, lo: int, name: str) -> bool:
        """'邝/宇航回忆说': a surname jieba left alone, then one word jieba tags as a name (nr) that ends the name:
        jieba's own hint that the two are one name (宇航 is also a common word, so the characters are not single)."""
        at = lo + len(self._surname_of(name))
        i = self.token_at.get(at)
        return i is not None and self.tokens[i][2] in ("nr", "nrfg") and self.tokens[i][1] == lo + len(name)

    def _is_word(self, name: str) -> bool:
        """Whether jieba's dictionary holds the name's first two characters as a common word (关系, 付费): then
        it is no name, unless cued by a title."""
        tagger = self.owner.nlp.tokenizer
        word = name[:2]
        return tagger.segmenter.FREQ.get(word, 0) > 50 and not tagger.posseg.word_tag_tab.get(word, "").startswith("nr")

    def _speech_follows(self, rest: str) -> bool:
        """'X表示', 'X在电话会议上指出', 'X笑了笑，称': a speech verb in the same clause."""
        clause = re.split(r"[。！？；“”「」]", rest, maxsplit=1)[0]
        match = self.vocab.speech.search(clause)
        return match is not None and match.start() <= 12

    def _surname_of(self, word: str) -> str:
        if word[:2] in self.vocab.compound_surnames:
            return word[:2]
        return word[:1] if word[:1] in self.vocab.surnames else ""

    def _name_at(self, pos: int) -> str:
        """The person's name starting at `pos` (after a title): 2-3 Han characters from a surname on.

        jieba cuts names short or long ("唐岩刚", "官程 一 笑"): a third character is kept unless it never ends
        a name (在, 说, 刚 ...) or the two-character form occurs more often in the article."""
        simple = self.simple
        window = simple[pos:pos + 4]
        surname = self._surname_of(window)
        if not surname:
            return ""
        base = len(surname)
        two, three = simple[pos:pos + base + 1], simple[pos:pos + base + 2]
        if len(two) < base + 1 or not all(_HAN_CHAR.match(c) for c in two):
            return ""
        if len(three) < base + 2 or not _HAN_CHAR.match(three[-1]) or three[-1] in self.vocab.never_end:
            return two
        if self.vocab.speech.match(simple, pos + base + 1):
            return two
        i = self.token_at.get(pos + base + 1)
        if i is not None and self.tokens[i][1] > pos + base + 2:
            return two  # "周源发布", "沈钊报道": the third character starts a word of its own
        return three if simple.count(three) >= simple.count(two) else two

    # works, events, products -------------------------------------------------------------------------------
    def _works(self) -> None:
        """《中国移动社群生态报告》, 《花千骨》: a title in book-title marks is a creative work (a known product or
        event keeps its own type); the name is the title without the marks."""
        for match in re.finditer(r"《([^《》\n]{2,40})》", self.simple):
            start, end = match.start(1), match.end(1)
            known = self.owner.alias_table.get(match.group(1).lower())
            inside = [sp for sp in self.spans if start <= sp[0] and sp[1] <= end]
            if inside and not known and len(inside) == len([sp for sp in self.spans if sp[0] < end and start < sp[1]]):
                # 《中国90后青年调查报告2014》: a name inside the title marks is part of the title
                self.spans = [sp for sp in self.spans if sp not in inside]
                self._dirty = True
            if self._covered(start, end):
                continue
            self._add(start, end, self._known(known) if known else self._new(match.group(1), "CreativeWork"))

    def _events(self) -> None:
        """'首届中国互联网移动社群大会', '2020腾讯全球数字生态大会': proper words ending in an event word.
        (Reports named by 报告 / 白皮书 the same way cost more precision than they found on the evaluation.)"""
        self._named_by_suffix(self.vocab.event_suffixes, "Event")

    def _named_by_suffix(self, suffixes: tuple[str, ...], type_: str) -> None:
        simple = self.simple
        pattern = "|".join(re.escape(w) for w in sorted(suffixes, key=len, reverse=True))
        for match in re.finditer(rf"((?:首届|第[一二三四五六七八九十\d]+届|\d{{4}}年?)?[{HAN}A-Za-z0-9·]{{2,20}}?(?:{pattern}))",
                                 simple) if pattern else ():
            start, end = match.span(1)
            # "马化腾在北京举办的移动社群大会": the name starts after the last verb or particle, then at a proper
            # word, a year or 首届
            cut = max((simple.rfind(w, start, end) + len(w) for w in _EVENT_BREAKS
                       if simple.rfind(w, start, end) != -1), default=start)
            start = max(start, cut)
            while start < end and not self._proper_at(start) and not simple.startswith(("首届", "第"), start) \
                    and not simple[start].isdigit():
                start += 1
            name = simple[start:end]
            if len(name) - max((len(s) for s in suffixes if name.endswith(s)), default=len(name)) < 2:
                continue
            if any(start <= s and e <= end and self.entity_of[k].type == "Person" for s, e, k in self.spans):
                continue
            # names inside the event's name ("第二届抖音创作者大会") give way to it; one that crosses its edge does not
            crossing = any(s < start < e or s < end < e for s, e, _ in self.spans)
            if name.startswith(self.vocab.never_start) or crossing:
                continue
            if not (self._proper_in(start, end) or re.match(r"首届|第|\d", name)):
                continue
            self.spans = [sp for sp in self.spans if not (start <= sp[0] and sp[1] <= end)]
            self._dirty = True
            known = self.owner.alias_table.get(name.lower())
            self._add(start, end, self._known(known) if known else self._new(name, type_))

    def _proper_at(self, pos: int) -> bool:
        """Whether a proper noun (jieba's tag, or a name found before) starts at `pos`."""
        i = self.token_at.get(pos)
        return (i is not None and self.tokens[i][2] in PROPER_TAGS) or any(s == pos for s, _, _ in self.spans)

    def _proper_in(self, start: int, end: int) -> bool:
        return any(start <= s < end and t in PROPER_TAGS for s, _, t in self.tokens) or any(
            start <= s < end for s, _, _ in self.spans)

    def _quoted_products(self) -> None:
        """娱乐类小组“豆瓣鹅组”, 社交应用“Soul”: a short quoted name right after a product noun."""
        nouns = "|".join(re.escape(w) for w in sorted(self.vocab.product_nouns, key=len, reverse=True))
        if not nouns:
            return
        for match in re.finditer(rf"(?:{nouns})[“「\"]([^“”「」\"，。]{{2,12}})[”」\"]", self.simple):
            start, end = match.span(1)
            if self.simple.startswith(self.vocab.not_product_nouns, match.end()):
                continue  # "注册了名为“声浪内部员工”的账号": an account's name, no product
            known = self.owner.alias_table.get(match.group(1).lower())
            if known is None and not any(s < start < e or s < end < e for s, e, _ in self.spans):
                # names inside it ("豆瓣" in “豆瓣鹅组”) give way to the whole
                self.spans = [sp for sp in self.spans if not (start <= sp[0] and sp[1] <= end)]
                self._dirty = True
                key = self._new(match.group(1), "Product")
                self._add(start, end, key)
                self._every_use(match.group(1), key)  # "兴趣社区App“同频”", later bare: "同频的月活跃用户…"
            elif known is not None and not self._covered(start, end):
                self._add(start, end, self._known(known))
        # "“聊点啥”“夜猫岛”两款陌生人社交应用", "“甲”、“乙”等3款游戏": quoted names counted as products
        counted = "|".join(re.escape(w) for w in self.vocab.product_classifiers)
        product_nouns = "|".join(re.escape(w) for w in sorted(self.vocab.product_nouns_after, key=len, reverse=True))
        # ("依法查处“甲”“乙”等违规…的网站", "下线“丙”“丁”等移动应用程序": a list closed by 等 before a product noun)
        pattern = (rf"((?:[“「][^“”「」，。、]{{2,12}}[”」][、和及与]?){{1,8}})(?:等?[一二两三四五六七八九十几多\d]+(?:{counted})"
                   rf"[^，。；]{{0,10}}?|(?<=[”」])等[^，。；]{{0,20}}?)(?:{product_nouns}|软件|游戏|网站|应用程序)")
        for match in re.finditer(pattern, self.simple) if counted and product_nouns else ():
            for name in re.finditer(r"[“「]([^“”「」]+)[”」]", match.group(1)):
                start, end = match.start(1) + name.start(1), match.start(1) + name.end(1)
                if self.owner.alias_table.get(name.group(1).lower()) is None and not self._covered(start, end):
                    self._add(start, end, self._new(name.group(1), "Product"))
        # "“清朗·网络戾气整治”专项行动": a quoted name before a word for a campaign is an event
        campaigns = "|".join(re.escape(w) for w in sorted(self.vocab.event_nouns_after, key=len, reverse=True))
        for match in re.finditer(rf"[“「]([^“”「」，。]{{2,16}})[”」](?:{campaigns})", self.simple) if campaigns else ():
            start, end = match.span(1)
            if self.owner.alias_table.get(match.group(1).lower()) is None and not any(
                    s < start < e or s < end < e for s, e, _ in self.spans):
                self.spans = [sp for sp in self.spans if not (start <= sp[0] and sp[1] <= end)]
                self._dirty = True
                self._add(start, end, self._new(match.group(1), "Event"))
        # "“群应用”平台", "“看一看”功能": a short quoted name right before a product noun; every later use of
        # the name is a mention of it
        after = "|".join(re.escape(w) for w in sorted(self.vocab.product_nouns_after, key=len, reverse=True))
        for match in re.finditer(rf"[“「\"]([{HAN}A-Za-z0-9]{{2,8}})[”」\"](?:{after})", self.simple) if after else ():
            name = match.group(1)
            if self.owner.alias_table.get(name.lower()) is not None or self._covered(*match.span(1)):
                continue
            self._every_use(name, self._new(name, "Product"))

    def _every_use(self, name: str, key: str) -> None:
        """Every use of a name found by a cue once is a mention of it (a name repeated in the article)."""
        for found in re.finditer(re.escape(name), self.simple):
            if not self._covered(found.start(), found.end()):
                self._add(found.start(), found.end(), key)

    def _apps(self) -> None:
        """'陌陌App', '即刻APP': a name the gazetteer lacks, right before App / 客户端, is a product."""
        forms = "|".join(re.escape(f) for f in self.vocab.product_forms)
        for match in re.finditer(rf"(?<![{HAN}A-Za-z])([{HAN}A-Za-z][{HAN}A-Za-z0-9]{{1,7}}?)(?={forms})", self.simple) \
                if forms else ():
            start, end = match.span(1)
            if self._covered(start, end) or not self._proper_in(start, end) and not re.match("[A-Za-z]", match.group(1)):
                continue
            self._add(start, end, self._new(match.group(1), "Product"))
        # "打开陌言App", "在耳觅平台上": characters jieba does not know as a word, right before a product noun
        cues = set(self.vocab.unknown_name_nouns)
        for i, (start, end, _) in enumerate(self.tokens):
            if self.simple[start:end] in cues and (begin := self._unknown_run(i, start)) is not None:
                self._every_use(self.simple[begin:start], self._new(self.simple[begin:start], "Product"))
        # "一款名为拾光的社交应用", "叫遇见的小程序": a name given with 名为 / 叫, then 的 and a product noun
        naming = "|".join(re.escape(w) for w in sorted(self.vocab.naming_verbs, key=len, reverse=True))
        nouns = "|".join(re.escape(w) for w in sorted(cues, key=len, reverse=True))
        for match in re.finditer(rf"(?:{naming})([{HAN}A-Za-z0-9]{{2,8}}?)的[^，。；]{{0,8}}?(?:{nouns})",
                                 self.simple) if naming and nouns else ():
            name = match.group(1)
            if not self._covered(*match.span(1)) and not self._common_word(name) \
                    and self.owner.alias_table.get(name.lower()) is None:
                self._every_use(name, self._new(name, "Product"))

    def _places(self) -> None:
        """Places jieba's dictionary knows (tag ns) that the gazetteer lacks, when they end like a place name
        (苏州, 西安市, 德国, 东南亚); jieba also tags 上市 and 东西 ns, which the not-places list keeps out."""
        suffixes = tuple(self.owner.rules.chinese.get("places", {}).get("suffixes", []))
        never = set(self.owner.rules.chinese.get("places", {}).get("not_places", []))
        for start, end, tag in self.tokens:
            word = self.simple[start:end]
            if tag == "ns" and end - start >= 2 and word.endswith(suffixes) and word not in never \
                    and not self._covered(start, end):
                self._add(start, end, self._new(word, "Place"))

    def _latin_names(self) -> None:
        """'Soul', 'TapTap' in a Chinese report: a Latin name the gazetteer lacks is most often an app here
        (trusted least: organisations by suffix and known names came first). Never metric abbreviations,
        titles or the curation's never-names (MAU, CEO, App ...)."""
        never = self.owner.rules.never | {w.lower() for w in self.vocab.latin_never}
        titles = {w.lower() for w in self.owner.rules.chinese.get("titles", {}).get("heads", [])}
        latin = list(re.finditer(r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9]*(?:[ \-][A-Z][A-Za-z0-9]*){0,3})(?![A-Za-z0-9])",
                                 self.simple))
        # "郄小虎（Tiger）" makes Tiger that person wherever else the article names him so ("交给Tiger")
        english_names = {}
        for match in latin:
            start, end = match.span(1)
            if self.simple[start - 1:start] in "（(" and self.simple[end:end + 1] in "）)":
                person = next((k for _, e, k in self.spans if e == start - 1 and k.startswith("person/")), None)
                if person is not None:
                    english_names.setdefault(match.group(1), person)
        uses = Counter(m.group(1) for m in latin)
        for match in latin:
            start, end = match.span(1)
            name = match.group(1)
            # QQ, DAU, GMV: acronyms are metrics or known names, not new entities; unless the article names one
            # again and again, or names a title after it ("PTT站长「小胖」", PTT three times)
            acronym_named = uses[name] >= 3 or self.vocab.title_chain.match(self.simple, end) is not None
            if len(name) < 3 or name.isupper() and len(name) < 5 and not acronym_named or self._covered(start, end):
                continue
            if name.lower() in never or re.split(r"[ \-]", name)[0].lower() in never or name.lower() in titles \
                    or not self._in_chinese(start, end):
                continue
            # "殷宇（Mel）", "郄小虎（Tiger）": a person's English name in brackets is that person, not an app;
            # "Meta旗下的Threads": what owns others is a company
            owner = self.simple.startswith(self.vocab.owner_words, end)
            self._add(start, end, english_names.get(name) or self._new(name, "Organization" if owner else "Product"))

    def _in_chinese(self, start: int, end: int) -> bool:
        """Whether the Latin word stands in Chinese text (an English paragraph of a mixed page is not read so)."""
        line_start = self.simple.rfind("\n", 0, start) + 1
        line_end = self.simple.find("\n", end)
        window = self.simple[max(line_start, start - 12):min(end + 12, line_end if line_end != -1 else len(self.simple))]
        return len(_HAN_CHAR.findall(window)) >= 6

    # organisations ----------------------------------------------------------------------------------------
    def _organisations(self) -> None:
        """'腾讯社交网络事业群', '中国互联网络信息中心': proper words ending in an organisation suffix; jieba's nt."""
        simple, tokens = self.simple, self.tokens
        suffixes = set(self.vocab.org_suffixes)
        short: list[tuple[int, str, str]] = []  # registered companies, read again by their short names
        suffix_lengths = sorted({len(x) for x in suffixes}, reverse=True)
        for i, (start, end, tag) in enumerate(tokens):
            if tag == "nt" and not self._covered(start, end) and end - start >= 3:
                # jieba tags 通报会 and 发布会 nt too: a meeting is no organisation, unless its name ends in one
                # (协会, 委员会)
                if not (simple[start:end].endswith(self.vocab.meeting_endings)
                        and not simple[start:end].endswith(tuple(suffixes))):
                    # "杭州市西湖区|人民法院", "浙江大学|光华|法学院": places, known organisations and proper words right
                    # before are part of the name
                    begin, k = start, i
                    while k > 0 and tokens[k - 1][1] == begin and (tokens[k - 1][2] in ("ns", "nz", "nt") or any(
                            s == tokens[k - 1][0] and e == begin and self.entity_of[key].type in ("Place", "Organization")
                            for s, e, key in self.spans)):
                        begin, k = tokens[k - 1][0], k - 1
                    if begin < start:
                        self.spans = [sp for sp in self.spans if not (begin <= sp[0] and sp[1] <= end)]
                        self._dirty = True
                    self._add(begin, end, self._new(simple[begin:end], "Organization"))
                continue
            # the longest suffix ending here that starts at a token boundary (a set lookup per length)
            suffix = next((simple[end - n:end] for n in suffix_lengths if simple[end - n:end] in suffixes
                           and (end - n >= start or end - n in self.token_at)), None)
            if suffix is None:
                continue
            first = i
            unit = suffix in self.vocab.unit_suffixes
            while first > 0 and first > i - 6:
                s, e, t = tokens[first - 1]
                word = simple[s:e]
                # "信息平台与服务线", "平台与内容事业群": a unit's name may join two nouns with 与 / 和
                joining = unit and word in ("与", "和") and first - 2 >= 0 and tokens[first - 2][2].startswith("n")
                # "抖音安全中心" (安全 an), "网络治理研究中心" (治理 v between nouns), "百合佳缘集团" (佳 a): such
                # words inside a name
                inner_verb = t in ("v", "a") and first - 2 >= 0 and tokens[first - 2][2].startswith("n") \
                    and tokens[first][2] in ("n", "vn")
                if not (t.startswith("n") or t in ("eng", "vn", "j", "b", "an") or word in ("控股",) or joining
                        or inner_verb) or word == "的":
                    break
                if word.endswith(tuple(self.vocab.unit_suffixes)) and any(
                        sp[0] == s and sp[1] == e and sp[2] in self.known_of for sp in self.spans):
                    break  # "平台与内容事业群|信息平台与服务线": a known unit before is a name of its own (a known
                    # university before its centre is not: "北京大学网络治理研究中心")
                if word.endswith(self.vocab.descriptor_ends) and not self._covered(s, e):
                    break  # "行销顾问公司|凯络媒体": a kind of company before the name describes it
                first -= 1
            if first == i and suffix in self.vocab.sure_suffixes and i > 0 and tokens[i][0] == end - len(suffix):
                s, e, t = tokens[i - 1]  # "由|启明|创投领投": the one word before a sure suffix, whatever jieba's tag
                if 2 <= e - s <= 4 and t[:1] not in _FUNCTION_TAGS and _HAN_CHAR.match(simple[s]):
                    first = i - 1
            if suffix in self.vocab.sure_suffixes:
                first = min(first, self._registered_start(i, end - len(suffix)))
            begin = tokens[first][0]
            run = self._unknown_run(i, end - len(suffix)) if suffix in self.vocab.brand_suffixes else None
            if begin >= end - len(suffix) and run is None or simple[begin:end].startswith(self.vocab.never_start):
                continue
            span_tokens = tokens[first:i + 1]
            head = [(s, e) for s, e, _ in span_tokens if e <= end - len(suffix)]
            # a proper word inside, a name found before, or a word jieba does not know (cut into single
            # characters without its HMM: "旷视科技" as 旷 / 视 / 科技)
            proper = any(t in PROPER_TAGS for _, _, t in span_tokens) or (
                # "信息平台与服务线（信服线）": a unit named with its short name in brackets after it; any company
                # with a quoted short name ("星辰互娱控股有限公司（「星辰互娱」或「本公司」）")
                unit and re.match(r"[（(][^（）()]{1,12}[）)]", simple[end:end + 14]) is not None
                or re.match(r"[（(](?:下称|以下简称|简称|下文简称)?[：:]?[“「\"]", simple[end:end + 8]) is not None) or any(
                s <= begin < e or begin <= s < end for s, e, _ in self.spans) or (
                len(head) >= 2 and all(e - s == 1 for s, e in head) and suffix in self.vocab.brand_suffixes) or (
                # "心动网络CEO黄一孟", "心动网络旗下的TapTap": a brand name of common words, cued by a title or 旗下
                suffix in self.vocab.brand_suffixes and end - begin <= 6
                and (self.vocab.title_chain.match(simple, end) is not None or simple.startswith("旗下", end))
                # (not "游戏公司创始人": one common word before 公司 is a kind of company)
                and not (suffix in self.vocab.descriptor_ends and self._common_word(simple[begin:end - len(suffix)]))) or (
                # "微澜网络科技有限公司", "启明创投": only an organisation's own name ends so
                suffix in self.vocab.sure_suffixes and begin < end - len(suffix))
            if not proper and run is not None:
                # "行销顾问公司凯络媒体": the characters of a name jieba does not know, right before a brand suffix
                begin, proper = run, True
            if not proper or self._covered(begin, end) and not self._known_at(begin) and any(
                    s < end and begin < e and (s < begin or e > end or k in self.known_of) for s, e, k in self.spans):
                continue  # (a name this step found inside, "中国传媒大学网络", gives way to the whole)
            name = simple[begin:end]
            known_key = self._known_at(begin)
            if known_key and name[len(self._span_text(known_key, begin)):] in ("", *self.vocab.legal_forms):
                continue  # the known name itself, or its company form (see _legal_forms): the same entity
            if known_key and any(e == end and s > begin and k in self.known_of for s, e, k in self.spans):
                continue  # "腾讯平台与内容事业群": a known company and its known unit, two names
            self.spans = [sp for sp in self.spans if not (begin <= sp[0] and sp[1] <= end)]
            self._dirty = True
            key = self._new(name, "Organization")
            self._add(begin, end, key)
            if suffix in self.vocab.sure_suffixes:
                short.append((begin, name, key))
        for begin, name, key in short:
            self._short_name(begin, name, key)

    def _short_name(self, begin: int, name: str, key: str) -> None:
        """'微澜网络科技有限公司', later '微澜拿到了…': a registered company is named again by its name without its
        legal form and line of business (and a place before it, 杭州); every use of that short name is the company."""
        core = name
        while (form := next((f for f in self.vocab.legal_forms if core.endswith(f) and len(core) > len(f)), None)):
            core = core[:-len(form)]
        place = next((e for s, e, k in self.spans if s == begin and e < begin + len(core)
                      and self.entity_of[k].type == "Place"), None)
        if place is not None:
            core = core[place - begin:]
        if core != name and len(core) >= 2 and all(_HAN_CHAR.match(c) for c in core) \
                and self.owner.alias_table.get(core) is None and core not in self.vocab.not_names:
            self._every_use(core, key)

    def _registered_start(self, i: int, suffix_start: int) -> int:
        """'深圳|回响|互动|科技有限公司', '杭州|圈|聊|网络技术有限公司': a registered company's name starts with the place
        it is registered in; the words between (whatever jieba tags them: 互动 d, 圈 q) are its brand and line of
        business. The index of that place's token, or i when no place starts the name within eight words."""
        k = i - 1 if self.tokens[i][0] >= suffix_start else i
        while k >= 0 and i - k <= 8:
            s, e, t = self.tokens[k]
            if t == "ns" or any(sp[0] == s and sp[1] == e and self.entity_of[sp[2]].type == "Place" for sp in self.spans):
                return k if k < i else i
            if not _HAN_CHAR.match(self.simple[s]) or self.simple[s:e] in ("的", "了", "和", "与", "及", "在", "由", "是") \
                    or t in ("x", "p", "u", "uj", "ul", "c", "r", "m") or self.simple[s:e].endswith(self.vocab.descriptor_ends):
                return i
            k -= 1
        return i

    def _unknown_run(self, i: int, suffix_start: int) -> int | None:
        """Where a run of two to four single characters that are no function words (a name jieba's dictionary lacks,
        cut into characters without its HMM: 凯/络 before 媒体) ends at the suffix of token i; None if there is none."""
        k = i if self.tokens[i][0] < suffix_start else i - 1
        if k < 0 or self.tokens[k][1] != suffix_start:
            return None
        begin = suffix_start
        while k >= 0 and suffix_start - begin < 4:
            s, e, t = self.tokens[k]
            if e - s != 1 or not _HAN_CHAR.match(self.simple[s]) or t[:1] in _FUNCTION_TAGS \
                    or self.simple[s] in self.vocab.never_end:
                break
            begin, k = s, k - 1
        if suffix_start - begin < 2 or self._covered(begin, suffix_start):
            return None
        return begin

    def _employers(self) -> None:
        """'恋爱记创始人付小龙表示': the words at the head of a clause, right before a company's title and a person's
        name, name the organisation the person works for, when they are no name found before, no reference (公司,
        该平台) and no kind of company or team (游戏公司, 产品团队: chinese.toml [organisations] not_employers)."""
        simple = self.simple
        chain = re.compile(f"(?:{self.vocab.title_chain.pattern})$")
        persons = sorted((s, e) for s, e, k in self.spans if self.entity_of[k].type == "Person")
        references = (*self.vocab.role_references, *self.vocab.references)
        for start, _ in persons:
            title = chain.search(simple, max(0, start - 16), start)
            if title is None or self._covered(title.start() - 1, title.start()) or title.start() == 0 \
                    or title.group(0).endswith(self.vocab.external_titles):
                continue
            begin = title.start()
            while begin > 0 and title.start() - begin < 6 and simple[begin - 1] not in _CLAUSE_MARKS \
                    and not self._covered(begin - 1, begin):
                begin -= 1
            name = simple[begin:title.start()]
            if not (begin == 0 or simple[begin - 1] in _CLAUSE_MARKS) or not 2 <= len(name) <= 6 \
                    or not all(_HAN_CHAR.match(c) for c in name) or "的" in name \
                    or name.startswith(self.vocab.never_start) or name in references \
                    or name.endswith((*self.vocab.descriptor_ends, *self.vocab.not_employers)) \
                    or self.vocab.titles.search(name) or begin not in self.token_at or self._common_word(name):
                continue
            self._add(begin, title.start(), self._new(name, "Organization"))

    def _common_word(self, word: str) -> bool:
        """Whether jieba's dictionary holds the word as a common one (现任, 团队), not as a proper noun."""
        tagger = self.owner.nlp.tokenizer
        return tagger.segmenter.FREQ.get(word, 0) > 0 and tagger.posseg.word_tag_tab.get(word, "") not in PROPER_TAGS

    def _known_at(self, begin: int) -> str | None:
        return next((k for s, _, k in self.spans if s == begin), None)

    def _span_text(self, key: str, begin: int) -> str:
        return next(self.simple[s:e] for s, e, k in self.spans if s == begin and k == key)

    def _legal_forms(self) -> None:
        """'腾讯控股有限公司', '快手科技', '陌陌科技': a known name and its company form are one entity; a product
        named so is, in this article, a company (its key, and so its IRI, stays the gazetteer's)."""
        simple = self.simple
        for start, end, key in list(self.spans):
            if simple[start:end].endswith(self.vocab.legal_forms) and end - start > 2 \
                    and self.entity_of[key].type == "Product":
                self.entity_of[key].type = "Organization"  # "快手科技", itself a gazetteer name
                continue
            sub = next((f for f in self.vocab.sub_products if simple.startswith(f, end)), None)
            if sub is not None and self.entity_of[key].type == "Product" and not self._covered(end, end + len(sub)):
                self.spans.remove((start, end, key))  # "微博直播": a product of its own, named by the whole
                self._dirty = True
                self._add(start, end + len(sub), self._new(simple[start:end + len(sub)], "Product"))
                continue
            product = next((f for f in self.vocab.product_forms if simple.startswith(f, end)), None)
            if product is not None and not self._covered(end, end + len(product)):
                self.spans.remove((start, end, key))  # "快手App": the product itself
                self._dirty = True
                self._add(start, end + len(product), key)
                continue
            form = next((f for f in self.vocab.legal_forms if simple.startswith(f, end)), None)
            if form is None or self._covered(end, end + len(form)):
                continue
            self.spans.remove((start, end, key))
            self._dirty = True
            self._add(start, end + len(form), key)
            entity = self.entity_of[key]
            if entity.type == "Product":
                entity.type = "Organization"

    def _finish(self) -> None:
        kept: list[tuple[int, int, str]] = []
        for start, end, key in sorted(self.spans, key=lambda s: (s[0], -(s[1] - s[0]))):
            if kept and start < kept[-1][1]:
                continue
            if self.simple.startswith("时间", end) and self.entity_of[key].type == "Place":
                continue  # 北京时间 is a time zone, not a place of the story
            if self.entity_of[key].type == "Place" and self.simple.startswith(("区", "地区"), end) \
                    and (title := self.vocab.titles.match(self.simple, start)) is not None and title.end() > end:
                continue  # "中国区CEO", "大中华区总裁": the region of a title, not a place of the story
            kept.append((start, end, key))
        self.spans = kept
        for start, end, key in kept:
            surface = self.text[start:end]
            self.surface.setdefault(key, Counter())[surface] += 1
            method = self.method_of.get((start, end), "gazetteer")
            self.mentions.append(Mention(key, surface, start, end, self.sentence_of(start), f"zh: {method}",
                                         METHODS[method]))

    def entities(self) -> dict[str, Entity]:
        """Each entity named as the article most often names it; the gazetteer's English name, the Simplified
        and the original forms are its other names."""
        out = {}
        for key, entity in self.entity_of.items():
            counts = self.surface.get(key, Counter())
            forms = sorted(counts, key=lambda f: (-counts[f], f))
            han_forms = [f for f in forms if _HAN_CHAR.search(f)]
            name = to_simplified(han_forms[0]) if han_forms else (forms[0] if forms else entity.name)
            aliases = set(forms) | {to_simplified(f) for f in forms}
            known = self.known_of.get(key)
            english = known.name if known is not None else self.english_form.get(name) if entity.type == "Person" \
                and name in self.english_form else (pinyin_name(name, self.vocab)
                                                   if entity.type == "Person" and "·" not in name else None)
            if known is not None:  # every gazetteer name: 朋友圈 is 微信朋友圈 is WeChat Moments
                aliases |= {a for a in known.aliases if _HAN_CHAR.search(a) or a[:1].isupper()}
            if english:
                aliases.add(english)
            aliases.discard(name)
            names = {"zh": name} if _HAN_CHAR.search(name) else {}
            if english:
                names["en" if known is not None or self.english_form.get(name) == english else "zh-Latn-pinyin"] = english
            out[key] = Entity(key=key, name=name, type=entity.type, aliases=aliases, names=names)
        self.entity_of = out
        return out

    def facts(self) -> Facts:
        return Facts(self.text, self.simple, self.mentions, self.entity_of, self.vocab, self.sentence_of,
                     self.tokens, self.owner.rules)


def pinyin_name(name: str, vocab: Vocabulary) -> str:
    """汤道生 -> 'Tang Daosheng', 欧阳娜娜 -> 'Ouyang Nana': surname, then the given name, in pinyin without tones;
    surnames read as surnames (单 Shan, 曾 Zeng, 解 Xie: chinese.toml [names.surname_readings])."""
    from pypinyin import Style, lazy_pinyin

    surname = name[:2] if name[:2] in vocab.compound_surnames else name[:1]
    family = vocab.surname_readings.get(surname) or "".join(lazy_pinyin(surname, style=Style.NORMAL))
    given = "".join(lazy_pinyin(name[len(surname):], style=Style.NORMAL))
    return f"{family.capitalize()} {given.capitalize()}".strip()
