"""What every NER backend hands over: mentions with offsets and a label on one shared scale.

Labels are normalised to PER, ORG, LOC and MISC. Dates, times, numbers, quantities, money and
percentages are dropped: they are not named entities in the sense facets need.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.enrich.ner.gazetteer import Place
from shared.models import EntityLabel

# Model label -> ours: WikiNER (fr, natasha), OntoNotes (en), and the usual spellings of both.
LABELS: dict[str, EntityLabel | None] = {
    "PER": "PER",
    "PERS": "PER",
    "PERSON": "PER",
    "ORG": "ORG",
    "ORGANIZATION": "ORG",
    "NORP": "MISC",  # nationalities, religious and political groups
    "LOC": "LOC",
    "GPE": "LOC",
    "FAC": "LOC",
    "LOCATION": "LOC",
    "MISC": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
    "DATE": None,
    "TIME": None,
    "PERCENT": None,
    "MONEY": None,
    "QUANTITY": None,
    "ORDINAL": None,
    "CARDINAL": None,
}


def normalise_label(label: str) -> EntityLabel | None:
    """Our label for a model's, or None when the entity is not kept (unknown labels too)."""
    return LABELS.get(label.upper())


@dataclass(frozen=True, slots=True)
class Mention:
    """One span of the text. ``normal`` is the backend's base form when it has one (the
    nominative of an inflected Russian name); ``place`` is set when the gazetteer found it."""

    start: int
    end: int
    label: EntityLabel
    normal: str | None = None
    place: Place | None = None
