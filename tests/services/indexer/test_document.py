"""An enriched article as the document the index template expects (no node needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.indexer.document import to_document
from shared.models import Entity
from tests.services.indexer.conftest import enriched

AT = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


def test_analysed_language_fields_and_every_raw_field() -> None:
    article = enriched(1, body="Les délégations négocient.", language="fr-CA")
    doc = to_document(article, indexed_at=AT)
    assert doc["title_fr"] == article.title
    assert doc["body_fr"] == "Les délégations négocient."
    assert doc["title"] == article.title  # the neutral fields are kept too
    assert doc["id"] == article.id
    assert doc["version"] == article.version
    assert doc["indexed_at"] == "2026-11-25T08:30:00+00:00"
    assert doc["published_at"].startswith("2026-11-24T09:00:00")


def test_the_summary_stands_in_for_a_missing_body() -> None:
    article = enriched(2, body="", summary="Un résumé.")
    assert to_document(article, indexed_at=AT)["body_fr"] == "Un résumé."


def test_a_language_without_analyser_gets_no_language_fields() -> None:
    doc = to_document(enriched(3, language="zh"), indexed_at=AT)
    assert not [k for k in doc if k.startswith(("title_", "body_"))]


def test_entities_flattened_per_label_once_each_with_sorted_ids() -> None:
    entities = [
        Entity(canonical="Vladimir Poutine", label="PER", id="Q7747", count=2),
        Entity(canonical="Vienne", label="LOC", id="geo:2761369", count=1),
        Entity(canonical="ONU", label="ORG", id="Q1065", count=1),
        Entity(canonical="Vienne", label="LOC", id="geo:2761369", count=1),
        Entity(canonical="Genève", label="LOC", count=1),
        Entity(canonical="Jeux olympiques", label="MISC", count=1),
    ]
    doc = to_document(enriched(4, entities=entities), indexed_at=AT)
    assert doc["people"] == ["Vladimir Poutine"]
    assert doc["organisations"] == ["ONU"]
    assert doc["places"] == ["Vienne", "Genève"]
    assert doc["misc"] == ["Jeux olympiques"]
    assert doc["entity_ids"] == ["Q1065", "Q7747", "geo:2761369"]
    assert len(doc["entities"]) == 6  # the full entities stay as they came


def test_no_entities_still_gives_every_facet_field() -> None:
    doc = to_document(enriched(5, entities=[]), indexed_at=AT)
    assert (doc["people"], doc["organisations"], doc["places"], doc["misc"]) == ([], [], [], [])
    assert doc["entity_ids"] == []
