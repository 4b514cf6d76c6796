"""One batch of raw articles -> enriched articles, or failures to dead-letter.

Pure orchestration: language detection and entity extraction are injected, so this logic is
tested without models. Entities run once per batch (``extract_many`` batches per language
through ``nlp.pipe``); if the batch fails, each article is retried alone so that one bad
article is dead-lettered and the others go through.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pydantic import ValidationError

from services.enrich.settings import EnrichSettings
from shared.deadletter import Reason
from shared.models import EnrichedArticle, Entity, RawArticle

log = logging.getLogger(__name__)

# Scripts written without spaces between words: count characters, not words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_CJK_CHARS_PER_WORD = 2


class Detector(Protocol):
    def detect(self, title: str, text: str, hint: str | None = None) -> tuple[str, float]: ...


class Extractor(Protocol):
    def extract_many(self, items: list[tuple[str, str]]) -> list[list[Entity]]: ...


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an article becomes a dead letter (``article_id`` None: the record is no article)."""

    article_id: str | None
    reason: Reason
    error: str


def word_count(text: str) -> int:
    cjk = len(_CJK.findall(text))
    if cjk:
        return len(_CJK.sub(" ", text).split()) + math.ceil(cjk / _CJK_CHARS_PER_WORD)
    return len(text.split())


def ner_text(article: RawArticle, limit: int) -> tuple[str, bool]:
    """Title + blank line + body (or summary), cut at ``limit`` characters on a space."""
    text = f"{article.title}\n\n{article.body or article.summary}"
    if len(text) <= limit:
        return text, False
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit], True


class Enricher:
    def __init__(self, settings: EnrichSettings, detector: Detector, extractor: Extractor) -> None:
        self.settings = settings
        self.detector = detector
        self.extractor = extractor

    def enrich_batch(self, articles: list[RawArticle]) -> list[EnrichedArticle | Failure]:
        texts: list[tuple[str, bool]] = []
        languages: list[tuple[str, float]] = []
        for article in articles:
            texts.append(ner_text(article, self.settings.max_ner_chars))
            body = article.body or article.summary
            try:
                languages.append(
                    self.detector.detect(
                        article.title, body[: self.settings.detect_chars], article.language_hint
                    )
                )
            except Exception:  # one odd text must not fail the batch: language unknown
                log.exception("language detection failed id=%s", article.id)
                languages.append(("und", 0.0))
        items = [(lang, text) for (lang, _conf), (text, _cut) in zip(languages, texts, strict=True)]
        entities = self._extract(items, articles)
        now = datetime.now(UTC)
        results: list[EnrichedArticle | Failure] = []
        for article, (language, confidence), (_text, truncated), found in zip(
            articles, languages, texts, entities, strict=True
        ):
            if isinstance(found, Failure):
                results.append(found)
                continue
            words = word_count(f"{article.title} {article.body or article.summary}")
            try:
                results.append(
                    EnrichedArticle.from_raw(
                        article,
                        language=language,
                        language_confidence=round(min(max(confidence, 0.0), 1.0), 4),
                        entities=found,
                        word_count=words,
                        reading_time_s=math.ceil(words * 60 / self.settings.words_per_minute),
                        ner_truncated=truncated,
                        enriched_at=now,
                    )
                )
            except ValidationError as exc:
                results.append(Failure(article.id, Reason.INVALID_ARTICLE, str(exc)))
        return results

    def _extract(
        self, items: list[tuple[str, str]], articles: list[RawArticle]
    ) -> list[list[Entity] | Failure]:
        try:
            return list(self.extractor.extract_many(items))
        except Exception:  # isolate the article that breaks the batch
            log.exception("entity extraction failed for a batch; retrying article by article")
        results: list[list[Entity] | Failure] = []
        for item, article in zip(items, articles, strict=True):
            try:
                results.append(self.extractor.extract_many([item])[0])
            except Exception as exc:  # this article cannot be enriched: dead-letter it
                error = f"{type(exc).__name__}: {exc}"
                results.append(Failure(article.id, Reason.NER_FAILED, error))
        return results
