"""Shaping Elasticsearch answers, without a node: highlight segments, date roll-ups, hits."""

from __future__ import annotations

from datetime import date, timedelta

from services.search.models import Segment
from services.search.query import MARK_END, MARK_START
from services.search.service import roll_up_dates, segments, shape_hit


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
    shaped = shape_hit(hit)
    assert shaped.highlights.title == [Segment(text="Les armes", mark=False)]
    assert shaped.highlights.body == [
        [Segment(text="les ", mark=False), Segment(text="armes", mark=True)]
    ]
    assert [e.name for e in shaped.entities] == ["Paris"]
    assert shaped.published_at.tzinfo is not None
