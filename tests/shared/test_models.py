from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.ids import article_id
from shared.models import SCHEMA_VERSION, EnrichedArticle, Entity, RawArticle

PARIS = timezone(timedelta(hours=1))


def make_raw(**overrides: object) -> RawArticle:
    fields: dict[str, object] = {
        "title": "Traité sur les armes nucléaires",
        "body": "Les armes nucléaires sont au cœur du traité signé à Vienne.",
        "url": "https://Example.org/traite?utm_source=x",
        "source_kind": "feed",
        "source": "example.org",
        "published_at": datetime(2026, 1, 2, 10, 0, tzinfo=PARIS),
    }
    fields.update(overrides)
    return RawArticle.create(**fields)  # type: ignore[arg-type]


def test_create_applies_id_rule_and_utc() -> None:
    raw = make_raw()
    assert raw.url == "https://example.org/traite"
    assert raw.id == article_id("https://example.org/traite")
    assert raw.published_at == datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    assert raw.published_at.tzinfo == UTC
    assert raw.schema_version == SCHEMA_VERSION
    assert not raw.published_at_inferred


def test_missing_date_is_flagged() -> None:
    raw = make_raw(published_at=None)
    assert raw.published_at_inferred
    assert raw.published_at == raw.fetched_at


def test_json_round_trip() -> None:
    raw = make_raw(authors=["A. Martin"], language_hint="fr")
    data = raw.to_json()
    assert json.loads(data)["id"] == raw.id
    assert RawArticle.from_json(data) == raw
    assert data == raw.model_dump_json().encode()  # the wire form is pydantic's JSON


def test_strict_rejects_coercion_and_unknown_fields() -> None:
    payload = json.loads(make_raw().to_json())
    with pytest.raises(ValidationError, match="version"):
        RawArticle.from_json(json.dumps({**payload, "version": "2"}))
    with pytest.raises(ValidationError, match="extra"):
        RawArticle.from_json(json.dumps({**payload, "surprise": 1}))
    with pytest.raises(ValidationError, match="time zone"):
        RawArticle.from_json(json.dumps({**payload, "published_at": "2026-01-02T10:00:00"}))
    with pytest.raises(ValidationError, match="sha256"):
        RawArticle.from_json(json.dumps({**payload, "id": "abc"}))
    with pytest.raises(ValidationError, match="content_hash"):
        RawArticle.from_json(json.dumps({**payload, "body": "tampered"}))
    with pytest.raises(ValidationError, match="canonical"):
        RawArticle.from_json(json.dumps({**payload, "url": "https://EXAMPLE.org/traite"}))
    with pytest.raises(ValidationError, match="language tag"):
        make_raw(language_hint="french")


def test_empty_article_rejected() -> None:
    with pytest.raises((ValidationError, ValueError)):
        make_raw(title=" ", body="", url=None)


def test_enriched_keeps_every_raw_field() -> None:
    raw = make_raw(authors=["A. Martin"])
    enriched = EnrichedArticle.from_raw(
        raw,
        language="fr",
        language_confidence=0.98,
        entities=[
            {
                "canonical": "Vienne",
                "label": "LOC",
                "id": "geo:2761369",
                "count": 1,
                "surface_forms": ["Vienne"],
                "offsets": [(52, 58)],
            }
        ],
        word_count=11,
        reading_time_s=3,
        enriched_at=datetime.now(UTC),
    )
    assert raw.model_dump().items() <= enriched.model_dump().items()
    assert enriched.entities[0] == Entity(
        canonical="Vienne",
        label="LOC",
        id="geo:2761369",
        count=1,
        surface_forms=["Vienne"],
        offsets=[(52, 58)],
    )
    assert EnrichedArticle.from_json(enriched.to_json()) == enriched
    assert enriched.to_json() == enriched.model_dump_json().encode()
    with pytest.raises(ValidationError):
        EnrichedArticle.from_raw(
            raw,
            language="fr",
            language_confidence=1.5,
            word_count=1,
            reading_time_s=1,
            enriched_at=datetime.now(UTC),
        )


FETCHED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "usable"),
    [
        (datetime(1990, 1, 1, tzinfo=UTC), True),
        (datetime(1989, 12, 31, 23, 59, tzinfo=UTC), False),
        (datetime(1970, 1, 1, tzinfo=UTC), False),
        (FETCHED + timedelta(days=1), True),
        (FETCHED + timedelta(days=1, seconds=1), False),
        (datetime(2200, 1, 1, tzinfo=UTC), False),
    ],
)
def test_dates_outside_the_window_are_the_fetch_time_flagged(
    published: datetime, usable: bool
) -> None:
    raw = make_raw(published_at=published, fetched_at=FETCHED, published_raw="as sent")
    assert raw.published_at == (published if usable else FETCHED)
    assert raw.published_at_inferred is not usable
    assert raw.published_raw == (None if usable else "as sent")


def test_an_implausible_date_without_its_text_keeps_its_value() -> None:
    raw = make_raw(published_at=datetime(2200, 1, 1, tzinfo=UTC), fetched_at=FETCHED)
    assert raw.published_raw == "2200-01-01T00:00:00+00:00"


def test_published_raw_is_optional_on_the_wire() -> None:
    raw = make_raw()
    assert b"published_raw" not in raw.to_json()  # records read as they did before it
    assert RawArticle.from_json(raw.to_json()) == raw
    flagged = make_raw(published_at=None, published_raw="yesterday-ish")
    assert RawArticle.from_json(flagged.to_json()).published_raw == "yesterday-ish"
    long_text = make_raw(published_at=None, published_raw="x" * 5_000)
    assert long_text.published_raw == "x" * 200


@pytest.mark.parametrize(
    ("field", "longest"),
    [
        ("url", "https://example.org/" + "a" * 4_076),
        ("guid", "g" * 4_096),
        ("source", "s" * 200),
        ("feed_id", "f" * 200),
        ("language_hint", "en" + "-abcdefgh" * 3 + "-abcde"),
    ],
)
def test_keyword_fields_are_bounded(field: str, longest: str) -> None:
    assert len(longest) == {"url": 4_096, "guid": 4_096, "language_hint": 35}.get(field, 200)
    assert getattr(make_raw(**{field: longest}), field) == longest
    with pytest.raises(ValidationError, match="at most"):
        make_raw(**{field: longest + ("a" if field != "language_hint" else "b")})


def test_author_names_are_cut_not_refused() -> None:
    raw = make_raw(authors=["a" * 10_000, "Ann Smith"])
    assert raw.authors == ["a" * 200, "Ann Smith"]
    with pytest.raises(ValidationError):
        RawArticle.model_validate({**raw.model_dump(), "authors": ["a" * 201]})
