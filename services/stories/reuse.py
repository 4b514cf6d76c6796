"""When a copy may skip NER: what it can take from the earlier article it copies.

NER is the costly part of enrichment; a wire story arriving thirty times need not be analysed
thirty times. What is reused must be what NER would have found, so ``plan`` says:

- ``ALL`` — language, entities and their offsets as they are: title and body are the same
  strings as the original's (offsets point into ``title + "\\n\\n" + body``, so any other
  difference moves them);
- ``ENTITIES`` — language, and the original's entities with their offsets found again in the
  copy's text (``locate``; an entity none of whose forms remains is dropped): the copy is a
  near-duplicate (``match.is_near_duplicate``) AND brings no new capitalised word — every
  capitalised word of its title and body, credits and footers set aside
  (``boilerplate.strip_boilerplate``), is one of the original's. Names are capitalised in every
  language we extract entities from, so such a copy brings no new entity: a trimmed,
  reordered, re-credited or lightly edited copy passes; a sentence or headline naming someone
  new does not (nor, conservatively, one that only starts a new sentence);
- ``BODY_ENTITIES`` — the same for the body only, when just the new headline brings new
  capitalised words: the body's entities are found again (``locate(..., body_only=True)``) and
  NER runs on the title alone;
- ``LANGUAGE`` — any other near-duplicate: the language only, NER runs. Copies share most of
  their words, so they share their language;
- ``NONE`` — not a near-duplicate.

An entity NER would find only in a credit or byline ("© Reuters", "By Jane Doe") is not carried
over; a search for the report loses nothing by that.

Measured (``bench/neardup_quality.py`` §6) on the 213 labelled copies, "wrong" meaning the copy
has an annotated entity (samples/gold.json) its original lacks: ``ENTITIES`` (or ``ALL``)
applies to 95 (45 %), wrong 0; ``BODY_ENTITIES`` to 38 more (18 %), wrong 0; ``LANGUAGE`` to
63. For comparison, "estimate >= 0.8" alone would apply to 147 and be wrong for 21 (inserted
sentences, headlines naming someone); "estimate >= 0.9 and length within 10 %" applies to 41 and
is wrong once; requiring the same cleaned body and title applies to only 39. None of the rules
applies to a labelled negative at the defaults.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from services.stories.boilerplate import strip_boilerplate
from shared.models import Entity

_CAPITALISED = re.compile(r"\b[^\W\d_][^\W_]*", re.UNICODE)


class Reuse(StrEnum):
    ALL = "all"
    ENTITIES = "entities"
    BODY_ENTITIES = "body-entities"
    LANGUAGE = "language"
    NONE = "none"


def capitalised_words(title: str, body: str) -> set[str]:
    """The words of title and body (boilerplate set aside) that start with a capital."""
    text = f"{title}\n{strip_boilerplate(body)}"
    return {word for word in _CAPITALISED.findall(text) if word[0].isupper()}


def plan(
    copy: tuple[str, str],
    original: tuple[str, str],
    *,
    near_duplicate: bool,
) -> Reuse:
    """What ``copy`` (title, body) may take from ``original``, ``near_duplicate`` being the
    decision of ``match.is_near_duplicate`` on the two."""
    if copy == original:
        return Reuse.ALL
    if not near_duplicate:
        return Reuse.NONE
    known = capitalised_words(*original)
    if not capitalised_words("", copy[1]) <= known:
        return Reuse.LANGUAGE
    return Reuse.ENTITIES if capitalised_words(copy[0], "") <= known else Reuse.BODY_ENTITIES


def locate(
    entities: Sequence[Entity], title: str, body: str, *, body_only: bool = False
) -> list[Entity]:
    """The entities with their offsets and counts found again in ``title + "\\n\\n" + body``.

    ``body`` is what enrich analyses after the title (the body, else the summary). Each surface
    form is searched as a whole word, a mention inside a longer one is not counted again, an
    entity none of whose forms occurs is left out and forms that no longer occur are dropped.
    ``body_only``: mentions in the title are not searched (NER covers a new title).
    """
    text = f"{title}\n\n{body}"
    start = len(title) + 2 if body_only else 0
    found = []
    for entity in entities:
        forms = [form for form in entity.surface_forms or [entity.canonical] if form]
        spans = _outermost({span for form in forms for span in _spans(form, text, start)})
        if not spans:
            continue
        kept = [form for form in forms if _spans(form, text, start)]
        found.append(
            entity.model_copy(update={"surface_forms": kept, "count": len(spans), "offsets": spans})
        )
    return found


def _outermost(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans not inside another one ("Poutine" within "Vladimir Poutine" is one mention)."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def _spans(form: str, text: str, start: int) -> list[tuple[int, int]]:
    pattern = re.compile(rf"(?<!\w){re.escape(form)}(?!\w)")
    return [(m.start(), m.end()) for m in pattern.finditer(text, start)]
