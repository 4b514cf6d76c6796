"""Against the real local node: the index template's language analysis and aliases.

The same assertions hold on a full Elasticsearch (analysis-common) and on the local minimal node
(newswire's analysis plugin): that parity is what these tests pin down.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from services.indexer import bulk
from services.indexer.document import to_document
from shared.index import ensure_index, index_template_body, language_fields
from shared.models import (
    AUTHOR_MAX_CHARS,
    FEED_ID_MAX_CHARS,
    GUID_MAX_CHARS,
    SOURCE_MAX_CHARS,
    URL_MAX_CHARS,
    EnrichedArticle,
    Entity,
    RawArticle,
)
from shared.names import Names

pytestmark = pytest.mark.integration


def _tokens(es: Elasticsearch, analyzer: str, text: str) -> list[str]:
    response = es.indices.analyze(analyzer=analyzer, text=text)
    return [token["token"] for token in response["tokens"]]


def _search(es: Elasticsearch, names: Names, query: str, fields: list[str]) -> list[str]:
    response = es.search(
        index=names.read_alias,
        query={
            "simple_query_string": {"query": query, "fields": fields, "default_operator": "and"}
        },
    )
    return [hit["_id"] for hit in response["hits"]["hits"]]


def test_language_analyzers_fold_and_stem(es: Elasticsearch) -> None:
    assert _tokens(es, "french", "Les armes nucléaires") == _tokens(es, "french", "arme nucleaire")
    assert _tokens(es, "french", "l'Iran") == ["iran"]
    assert _tokens(es, "english", "treaties") == _tokens(es, "english", "treaty")
    assert _tokens(es, "german", "Verträge") == _tokens(es, "german", "Vertrage")
    assert _tokens(es, "spanish", "tratados") == _tokens(es, "spanish", "tratado")
    assert _tokens(es, "russian", "договоров") == _tokens(es, "russian", "договор")


def test_index_and_search_french_and_english(es: Elasticsearch, names: Names) -> None:
    now = datetime.now(UTC)
    index = ensure_index(es, names, now)
    assert ensure_index(es, names, now) == index  # idempotent
    docs = {
        "fr1": (
            "fr",
            "Les armes nucléaires au cœur du traité",
            "Le traité interdit les armes nucléaires.",
        ),
        "en1": ("en", "Leaders sign two treaties", "The treaties were signed in Geneva."),
        "fr2": ("fr", "Élections municipales", "Les électeurs votent dimanche."),
    }
    for doc_id, (lang, title, body) in docs.items():
        fields = language_fields(lang)
        assert fields is not None
        es.index(
            index=names.write_alias,
            id=doc_id,
            refresh=True,
            document={
                "id": doc_id,
                "title": title,
                "body": body,
                "language": lang,
                fields[0]: title,
                fields[1]: body,
                "published_at": now.isoformat(),
            },
        )
    french = ["title_fr", "body_fr"]
    assert _search(es, names, "arme nucleaire", french) == ["fr1"]
    assert _search(es, names, "armes nucléaires", french) == ["fr1"]
    assert _search(es, names, "treaty", ["title_en", "body_en"]) == ["en1"]
    # The language-neutral fields fold accents but do not stem.
    assert _search(es, names, "electeurs", ["title", "body"]) == ["fr2"]
    assert _search(es, names, "treaty", ["title", "body"]) == []
    aliases = es.indices.get_alias(index=index)[index]["aliases"]
    assert set(aliases) == {names.read_alias, names.write_alias}


def test_language_fields() -> None:
    assert language_fields("fr") == ("title_fr", "body_fr")
    assert language_fields("en-GB") == ("title_en", "body_en")
    assert language_fields("uk") is None
    assert language_fields(None) is None


def _longest_article(published_at: datetime) -> EnrichedArticle:
    """Every keyword field at the longest the contract allows, in 4-byte characters where
    the contract allows any character (the worst case for Lucene's byte limit)."""
    wide = "\U0001f4f0"  # 4 bytes in UTF-8
    raw = RawArticle.create(
        title="Le plus long",
        body="Texte.",
        url="https://example.org/" + "a" * (URL_MAX_CHARS - len("https://example.org/")),
        guid=wide * GUID_MAX_CHARS,
        authors=[wide * AUTHOR_MAX_CHARS] * 50,
        source=wide * SOURCE_MAX_CHARS,
        feed_id=wide * FEED_ID_MAX_CHARS,
        published_at=published_at,
        published_raw=wide * 300,
        source_kind="push",
        language_hint="en" + "-abcdefgh" * 3 + "-abcde",
    )
    assert raw.published_at_inferred  # published_raw is kept only then
    entities = [
        # Enrich's entities are not bounded by the contract: the mapping ignores what is over.
        Entity(canonical=wide * 8_191, label="PER", id=wide * 8_191, count=1),
        Entity(canonical=wide * 10_000, label="ORG", surface_forms=[wide * 10_000], count=1),
    ]
    return EnrichedArticle.from_raw(
        raw,
        language="en",
        language_confidence=1.0,
        entities=entities,
        word_count=1,
        reading_time_s=1,
        enriched_at=published_at,
    )


def test_the_longest_values_the_contract_allows_are_indexed(
    es: Elasticsearch, names: Names
) -> None:
    now = datetime.now(UTC)
    ensure_index(es, names, now)
    article = _longest_article(datetime(1970, 1, 1, tzinfo=UTC))
    index = names.article_index(article.published_at, now)
    action = bulk.Action(index, article.id, 1, to_document(article))
    results, _seconds = bulk.BulkWriter(es, names.read_alias).write([action])
    assert [r.verdict for r in results] == ["indexed"], results
    es.indices.refresh(index=names.read_alias)
    hits = es.search(index=names.read_alias, query={"term": {"guid": article.guid}})
    assert [h["_id"] for h in hits["hits"]["hits"]] == [article.id]


def test_a_yearly_index_is_made_from_the_template_and_joins_the_read_alias(
    es: Elasticsearch, names: Names
) -> None:
    now = datetime.now(UTC)
    ensure_index(es, names, now)
    old = names.article_index(datetime(2003, 5, 1, tzinfo=UTC), now)
    assert old == f"{names.namespace}-articles-2003"
    es.index(index=old, id="a", document={"id": "a", "published_raw": "x"}, refresh=True)
    assert names.read_alias in es.indices.get_alias(index=old)[old]["aliases"]
    assert es.count(index=names.read_alias)["count"] == 1


def test_indices_made_before_a_field_was_added_learn_it(es: Elasticsearch, names: Names) -> None:
    now = datetime.now(UTC)
    ensure_index(es, names, now)
    index = names.monthly_index(now)
    older = dict(index_template_body()["mappings"]["properties"])
    del older["published_raw"]
    old_index = f"{names.namespace}-articles-2001"
    es.indices.create(index=old_index, mappings={"dynamic": "strict", "properties": older})
    ensure_index(es, names, now)  # what every service does at start-up
    for target in (index, old_index):
        es.index(index=target, id="a", document={"id": "a", "published_raw": "x"}, refresh=True)


@pytest.mark.integration
def test_indices_get_a_replica_when_the_cluster_has_a_second_node(
    es: Elasticsearch, names: Names
) -> None:
    """``auto_expand_replicas: 0-1``: green on one node, one replica as soon as there are two."""
    index = ensure_index(es, names, datetime.now(UTC))
    settings = es.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["auto_expand_replicas"] == "0-1"
    health = es.cluster.health(index=index, wait_for_status="green", timeout="10s")
    assert health["status"] == "green"
