"""Shaping Elasticsearch answers, without a node: highlight segments, date roll-ups, hits,
pages, articles."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson

from services.search.models import ArticleHit, SearchPage, Segment
from services.search.query import MARK_END, MARK_START, SearchParams, decode_cursor
from services.search.results import (
    article,
    hit_fields,
    page_fields,
    page_json,
    related,
    roll_up_dates,
    segments,
)


def test_segments_split_at_the_markers() -> None:
    fragment = f"Les {MARK_START}armes{MARK_END} {MARK_START}nucléaires{MARK_END}"
    assert segments(fragment) == [
        {"text": "Les ", "mark": False},
        {"text": "armes", "mark": True},
        {"text": " ", "mark": False},
        {"text": "nucléaires", "mark": True},
    ]


def test_markup_in_article_text_stays_text() -> None:
    fragment = f'<img src=x onerror="alert(1)"> {MARK_START}<b>{MARK_END}'
    assert segments(fragment) == [
        {"text": '<img src=x onerror="alert(1)"> ', "mark": False},
        {"text": "<b>", "mark": True},
    ]


def test_short_spans_stay_daily_with_gaps_filled() -> None:
    days = [(date(2026, 11, 1), 2), (date(2026, 11, 4), 1)]
    facet = roll_up_dates(days)
    assert facet.interval == "day"
    assert [(b.date.day, b.count) for b in facet.buckets] == [(1, 2), (2, 0), (3, 0), (4, 1)]


def test_long_spans_roll_up_to_weeks_then_months() -> None:
    start = date(2026, 1, 5)  # a Monday
    weeks = roll_up_dates([(start, 1), (start + timedelta(days=100), 2)])
    assert weeks.interval == "week"
    assert weeks.buckets[0].date == start
    assert sum(b.count for b in weeks.buckets) == 3
    months = roll_up_dates([(date(2024, 3, 9), 1), (date(2026, 2, 1), 4)])
    assert months.interval == "month"
    assert (months.buckets[0].date, months.buckets[-1].date) == (date(2024, 3, 1), date(2026, 2, 1))
    assert len(months.buckets) == 24
    years = roll_up_dates([(date(2010, 5, 5), 1), (date(2026, 2, 1), 1)])
    assert years.interval == "year"
    assert len(years.buckets) == 17
    assert roll_up_dates([]).buckets == []


def test_hit_prefers_language_highlights_and_falls_back_to_plain_title() -> None:
    hit = {
        "_score": 1.5,
        "_source": {
            "id": "a",
            "title": "Les armes",
            "url": None,
            "source": "lemonde.fr",
            "language": "fr",
            "published_at": "2026-11-20T09:00:00Z",
            "entities": [
                {"canonical": "Paris", "label": "LOC", "id": "geo:1"},
                {"canonical": "Paris", "label": "LOC", "id": "geo:1"},
            ],
        },
        "highlight": {
            "body": ["opening lines"],
            "body_fr": [f"les {MARK_START}armes{MARK_END}"],
        },
    }
    shaped = ArticleHit.model_validate(hit_fields(hit))
    assert shaped.highlights.title == [Segment(text="Les armes", mark=False)]
    assert shaped.highlights.body == [
        [Segment(text="les ", mark=False), Segment(text="armes", mark=True)]
    ]
    assert [e.name for e in shaped.entities] == ["Paris"]
    assert shaped.published_at.tzinfo is not None


def _id(n: int) -> str:
    """An article id as the index holds them (hex sha256): cursors carry only such ids."""
    return f"{n:064x}"


def _hit(n: int) -> dict[str, Any]:
    return {
        "_score": None,
        "_source": {
            "id": _id(n),
            "title": f"Titre {n}",
            "url": f"https://example.fr/{n}",
            "source": "lemonde.fr",
            "language": "fr",
            "published_at": "2026-11-20T09:00:00Z",
            "entities": [],
        },
        "sort": [1_700_000_000_000 - n, _id(n)],
    }


def _answer(hits: int) -> dict[str, Any]:
    day = 86_400_000
    return {
        "took": 7,
        "timed_out": False,
        "hits": {"total": {"value": 42}, "hits": [_hit(n) for n in range(hits)]},
        "aggregations": {
            "languages": {"buckets": {"buckets": [{"key": "fr", "doc_count": 40}]}},
            "dates": {
                "buckets": {
                    "buckets": [
                        {"key": 1_763_596_800_000, "doc_count": 2},  # 2025-11-20
                        {"key": 1_763_596_800_000 + 2 * day, "doc_count": 1},
                    ]
                }
            },
        },
    }


def test_page_with_one_extra_hit_has_a_cursor_to_the_next() -> None:
    params = SearchParams(sort="newest", size=2, facets=("languages", "dates"))
    fields = page_fields(params, _answer(3))  # the search asks for size + 1
    page = SearchPage.model_validate(fields)
    assert [h.id for h in page.hits] == [_id(0), _id(1)]
    assert page.next is not None
    assert decode_cursor(page.next, "newest") == tuple(_hit(1)["sort"])
    assert (page.total, page.took_ms, page.timed_out) == (42, 7, False)
    assert page.facets.languages is not None
    assert [(b.value, b.count) for b in page.facets.languages] == [("fr", 40)]
    assert page.facets.dates is not None
    assert [b.count for b in page.facets.dates.buckets] == [2, 0, 1]
    assert page.facets.people is None  # not asked for
    # Serialised once, without validation: exactly what the model gives.
    assert orjson.loads(page_json(fields)) == page.model_dump(mode="json")


def test_last_page_has_no_cursor() -> None:
    page = SearchPage.model_validate(page_fields(SearchParams(size=5, facets=()), _answer(3)))
    assert page.next is None
    assert len(page.hits) == 3


def test_article_keeps_the_api_fields_only() -> None:
    source = {
        "id": "a",
        "version": 2,
        "url": None,
        "title": "Titre",
        "summary": "",
        "body": "Corps.",
        "body_fr": "Corps.",  # index-only fields stay behind
        "people": ["Vladimir Poutine"],
        "authors": [],
        "published_at": "2026-11-20T09:00:00Z",
        "published_at_inferred": False,
        "source": "lemonde.fr",
        "source_kind": "feed",
        "language": "fr",
        "language_confidence": 0.99,
        "entities": [{"canonical": "Vladimir Poutine", "label": "PER", "id": "Q7747"}],
        "word_count": 1,
        "reading_time_s": 1,
    }
    shaped = article(source)
    assert "body_fr" not in shaped.model_dump()
    [entity] = shaped.entities
    assert (entity.name, entity.label, entity.count, entity.surface_forms) == (
        "Vladimir Poutine",
        "PER",
        1,
        [],
    )


def test_related_names_the_article_and_shapes_its_hits() -> None:
    shaped = related("a", {"hits": {"hits": [_hit(1)]}})
    assert shaped.id == "a"
    assert [h.id for h in shaped.hits] == [_id(1)]
