from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ingest.article_input import Origin, from_input
from services.ingest.errors import InvalidInputError
from shared.ids import article_id

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def convert(data: object) -> object:
    return from_input(data, Origin("push", "push:test", NOW))


def test_full_record() -> None:
    article = from_input(
        {
            "url": "https://News.example.fr/a?utm_source=x#top",
            "title": "<b>Titre</b> &amp; suite",
            "summary": "Résumé",
            "content": "<p>Un.</p><p>Deux.</p>",
            "authors": "Jeanne Martin",
            "published": "24/11/2026 10:00",
            "lang": "FR",
            "extra_field": "ignored",
        },
        Origin("push", "push:test", NOW),
    )
    assert article.url == "https://news.example.fr/a"
    assert article.id == article_id("https://news.example.fr/a")
    assert article.title == "Titre & suite"
    assert article.body == "Un.\n\nDeux."
    assert article.authors == ["Jeanne Martin"]
    assert article.language_hint == "fr"
    assert article.source == "news.example.fr"
    assert article.published_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert not article.published_at_inferred


def test_unparseable_date_falls_back_to_fetch_time_and_is_flagged() -> None:
    article = from_input(
        {"title": "t", "body": "b", "published": "yesterday-ish"},
        Origin("file", "a.json", NOW),
    )
    assert article.published_at == NOW
    assert article.published_at_inferred
    assert article.url is None
    assert article.source == "a.json"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([1, 2], "not-an-object"),
        ("text", "not-an-object"),
        ({"title": 42}, "invalid-field"),
        ({"title": "t", "authors": [1]}, "invalid-field"),
        ({}, "empty-article"),
        ({"url": "https://x.example/a"}, "empty-article"),
        ({"title": "t", "url": "javascript:alert(1)"}, "invalid-url"),
        ({"title": "t" * 3000}, "invalid-article"),
    ],
)
def test_invalid_records_have_a_reason(data: object, reason: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        convert(data)
    assert caught.value.reason == reason
    assert str(caught.value)
