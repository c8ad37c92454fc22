"""The extracted facts, kept importable from here: they live in `commgraph.facts` (plain data, no spaCy)."""

from ..facts import ENTITY_TYPES, Entity, Extraction, Figure, Mention, Quote, Relation, Role, Sentence

__all__ = ["ENTITY_TYPES", "Entity", "Extraction", "Figure", "Mention", "Quote", "Relation", "Role", "Sentence"]
