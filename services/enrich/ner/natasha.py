"""Russian named entities with natasha (its models ship inside the packages: nothing is fetched).

natasha finds PER, LOC and ORG; its morphology and syntax then give each span its normal form
(the nominative: "Евразийского экономического союза" -> "Евразийский экономический союз"), which
is what mentions are merged on and what the canonical name is.
"""

from __future__ import annotations

import logging

from natasha import (
    Doc,
    MorphVocab,
    NewsEmbedding,
    NewsMorphTagger,
    NewsNERTagger,
    NewsSyntaxParser,
    Segmenter,
)

from services.enrich.ner.mention import Mention, normalise_label

log = logging.getLogger(__name__)


class RussianNer:
    def __init__(self) -> None:
        embedding = NewsEmbedding()
        self._segmenter = Segmenter()
        self._ner = NewsNERTagger(embedding)
        self._morph = NewsMorphTagger(embedding)
        self._syntax = NewsSyntaxParser(embedding)
        self._vocab = MorphVocab()
        log.info("natasha loaded")

    def mentions(self, texts: list[str]) -> list[list[Mention]]:
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> list[Mention]:
        doc = Doc(text)
        doc.segment(self._segmenter)
        doc.tag_ner(self._ner)
        if not doc.spans:
            return []
        doc.tag_morph(self._morph)
        doc.parse_syntax(self._syntax)
        found: list[Mention] = []
        for span in doc.spans:
            label = normalise_label(span.type)
            if label is None:
                continue
            try:
                span.normalize(self._vocab)
                normal = span.normal or None
            except (ValueError, KeyError, IndexError, AttributeError):  # keep the surface form
                normal = None
            found.append(Mention(span.start, span.stop, label, normal=normal))
        return found
