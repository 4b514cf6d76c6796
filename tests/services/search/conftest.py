"""A small multilingual corpus indexed the way the indexer writes it (``to_document`` into the
monthly index of each article's date), and the app built on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from services.indexer.document import to_document
from services.search.api import create_app
from services.search.settings import SearchSettings
from shared.index import ensure_index
from shared.models import EnrichedArticle, Entity, RawArticle
from shared.names import Names
from shared.settings import ElasticsearchSettings

PUTIN = "Q7747"  # one id for "Vladimir Poutine" (fr) and "Vladimir Putin" (en)


@dataclass(frozen=True)
class Doc:
    key: str
    language: str
    title: str
    body: str
    source: str
    published_at: datetime
    entities: tuple[tuple[str, str, str | None], ...] = ()  # (canonical, label, id)


def _at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


CORPUS = (
    Doc(
        "fr-arms",
        "fr",
        "Les armes nucléaires au cœur des négociations de Vienne",
        "À Vienne, les délégations négocient sur les armes nucléaires. Vladimir Poutine a "
        "prévenu que la Russie ne signerait pas un traité déséquilibré.",
        "lemonde.fr",
        _at(11, 20),
        (("Vienne", "LOC", "geo:2761369"), ("Vladimir Poutine", "PER", PUTIN)),
    ),
    Doc(
        "fr-vote",
        "fr",
        "Élections municipales : les électeurs votent dimanche",
        "Les électeurs de Paris votent dimanche pour les élections municipales.",
        "lemonde.fr",
        _at(11, 18),
        (("Paris", "LOC", "geo:2988507"),),
    ),
    Doc(
        "en-treaties",
        "en",
        "Leaders sign two treaties in Geneva",
        "The treaties were signed in Geneva after talks. Vladimir Putin sent a delegation; the "
        "United Nations welcomed the agreements.",
        "bbc.co.uk",
        _at(11, 21),
        (
            ("Geneva", "LOC", "geo:2660646"),
            ("Vladimir Putin", "PER", PUTIN),
            ("United Nations", "ORG", "Q1065"),
        ),
    ),
    Doc(
        "en-energy",
        "en",
        "Energy prices fall as winter approaches",
        "Oil and gas prices fell this week; OPEC members meet next month.",
        "reuters.com",
        _at(11, 15),
        (("OPEC", "ORG", "Q7795"),),
    ),
    Doc(
        "de-treaties",
        "de",
        "Verträge über Abrüstung unterzeichnet",
        "In Berlin wurden die Verträge über Abrüstung unterzeichnet.",
        "spiegel.de",
        _at(11, 19),
        (("Berlin", "LOC", "geo:2950159"),),
    ),
    Doc(
        "es-peace",
        "es",
        "Los tratados de paz firmados en Madrid",
        "Los tratados de paz fueron firmados en Madrid el jueves.",
        "elpais.com",
        _at(10, 30),  # another month: another monthly index behind the read alias
        (("Madrid", "LOC", "geo:3117735"),),
    ),
    Doc(
        "en-rates",
        "en",
        "Central bank holds rates steady",
        "The European Central Bank kept rates unchanged, Christine Lagarde said.",
        "reuters.com",
        _at(11, 22),
        (("European Central Bank", "ORG", "Q8901"), ("Christine Lagarde", "PER", "Q12097")),
    ),
    Doc(
        "fr-climate",
        "fr",
        "Le sommet sur le climat s'ouvre à Paris",
        "Emmanuel Macron ouvre à Paris le sommet sur le climat.",
        "lemonde.fr",
        _at(11, 22),  # same instant as en-rates: the id tiebreaker orders them
        (("Paris", "LOC", "geo:2988507"), ("Emmanuel Macron", "PER", "Q3052772")),
    ),
    Doc(
        "fr-iran",
        "fr",
        "Vienne : reprise des négociations sur le nucléaire iranien",
        "Les délégations reprennent à Vienne les négociations sur le programme nucléaire.",
        "france24.com",
        _at(11, 17),
        (("Vienne", "LOC", "geo:2761369"),),
    ),
)


def article(doc: Doc) -> EnrichedArticle:
    raw = RawArticle.create(
        title=doc.title,
        body=doc.body,
        url=f"https://{doc.source}/{doc.key}",
        source_kind="feed",
        source=doc.source,
        published_at=doc.published_at,
    )
    return EnrichedArticle.from_raw(
        raw,
        language=doc.language,
        language_confidence=0.99,
        entities=[
            Entity(canonical=name, label=label, id=entity_id, count=1)  # type: ignore[arg-type]
            for name, label, entity_id in doc.entities
        ],
        word_count=len(doc.body.split()),
        reading_time_s=5,
        enriched_at=doc.published_at,
    )


def index_articles(es: Elasticsearch, names: Names, articles: list[EnrichedArticle]) -> None:
    ensure_index(es, names, datetime.now(UTC))
    for item in articles:
        es.index(
            index=names.monthly_index(item.published_at),
            id=item.id,
            document=to_document(item),
        )
    es.indices.refresh(index=names.read_alias)


@pytest.fixture
def corpus(es: Elasticsearch, names: Names) -> dict[str, str]:
    """The corpus indexed under this test's namespace; key -> article id."""
    articles = {doc.key: article(doc) for doc in CORPUS}
    index_articles(es, names, list(articles.values()))
    return {key: a.id for key, a in articles.items()}


@pytest.fixture
def settings(es_settings: ElasticsearchSettings, names: Names) -> SearchSettings:
    return SearchSettings(namespace=names.namespace, es=es_settings)


@pytest.fixture
def client(settings: SearchSettings, corpus: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
