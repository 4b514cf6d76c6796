"""Batch orchestration with stand-in detector and extractor (the models are tested apart)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.enrich.enricher import Enricher, Failure, ner_text, word_count
from services.enrich.settings import EnrichSettings
from shared.models import EnrichedArticle, Entity, RawArticle


class FixedDetector:
    def detect(self, title: str, text: str, hint: str | None = None) -> tuple[str, float]:
        return ("fr", 0.93) if "é" in title + text else ("en", 0.99)


class FakeExtractor:
    def __init__(self, broken: str | None = None) -> None:
        self.broken = broken
        self.calls: list[int] = []

    def extract_many(self, items: list[tuple[str, str]]) -> list[list[Entity]]:
        self.calls.append(len(items))
        if self.broken and any(self.broken in text for _lang, text in items):
            raise RuntimeError("model crashed")
        return [
            [
                Entity(
                    canonical="Vienne",
                    label="LOC",
                    count=1,
                    offsets=[(text.find("Vienne"), text.find("Vienne") + 6)],
                )
            ]
            if "Vienne" in text
            else []
            for _lang, text in items
        ]


def raw(n: int, body: str) -> RawArticle:
    return RawArticle.create(
        title=f"Titre {n}",
        body=body,
        url=f"https://x.example/{n}",
        source_kind="file",
        source="x.example",
        published_at=datetime(2026, 11, 24, tzinfo=UTC),
    )


def test_batch_enriches_and_isolates_a_failing_article() -> None:
    extractor = FakeExtractor(broken="POISON")
    enricher = Enricher(EnrichSettings(), FixedDetector(), extractor)
    batch = [raw(1, "Signé à Vienne."), raw(2, "POISON text"), raw(3, "Plain text here")]
    results = enricher.enrich_batch(batch)
    first, second, third = results
    assert isinstance(first, EnrichedArticle)
    assert first.language == "fr"
    assert first.entities[0].canonical == "Vienne"
    start, end = first.entities[0].offsets[0]
    assert ner_text(batch[0], 10_000)[0][start:end] == "Vienne"
    assert first.word_count == 5
    assert first.reading_time_s == 2
    assert first.body == batch[0].body  # every raw field kept
    assert isinstance(second, Failure)
    assert (second.article_id, second.reason) == (batch[1].id, "ner-failed")
    assert isinstance(third, EnrichedArticle)
    assert third.language == "en"
    assert extractor.calls == [3, 1, 1, 1]  # one batch call, then one per article


def test_long_body_truncated_for_ner_and_flagged() -> None:
    settings = EnrichSettings(max_ner_chars=1_000)
    enricher = Enricher(settings, FixedDetector(), FakeExtractor())
    (result,) = enricher.enrich_batch([raw(1, "mot " * 2_000)])
    assert isinstance(result, EnrichedArticle)
    assert result.ner_truncated
    assert len(result.body) == 8_000  # the stored body is never cut
    text, cut = ner_text(raw(1, "mot " * 2_000), 1_000)
    assert cut
    assert len(text) <= 1_000


def test_word_count_handles_unspaced_scripts() -> None:
    assert word_count("Les armes nucléaires") == 3
    assert word_count("联合国安理会在纽约开会") == 6
