"""Against the real local node: the index template's language analysis and aliases.

The same assertions hold on a full Elasticsearch (analysis-common) and on the local minimal node
(newswire's analysis plugin): that parity is what these tests pin down.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from shared.index import ensure_index, language_fields
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
