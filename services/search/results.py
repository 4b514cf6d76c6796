"""Elasticsearch's answers as the API's shapes (``models``): pure, no client.

A search page is built as plain data (``page_fields``) and serialised once (``page_json``)
without being validated again: the API answers with that, and the tests hold it to
``SearchPage``. Other answers are validated once from plain dicts: pydantic then checks the
whole tree in its compiled core, several times faster than constructing every nested model in
Python. Highlights become segments (text, marked), never markup; daily counts roll up to the
finest interval that fits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from services.search.models import Article, DateBucket, DateFacet, Facets, RelatedArticles
from services.search.query import MARK_END, MARK_START, TERMS_FACETS, SearchParams, encode_cursor

Interval = Literal["day", "week", "month", "year"]
MAX_DATE_BUCKETS = 62  # about two months of days: a histogram still readable at a glance
_MARKS = re.compile(f"({MARK_START}|{MARK_END})")
Json = dict[str, Any]


def _dump_model(value: object) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def page_json(fields: Json) -> bytes:
    return orjson.dumps(fields, default=_dump_model)


def page_fields(params: SearchParams, response: Mapping[str, Any]) -> Json:
    """``SearchPage`` fields, exactly as the model would serialise them."""
    raw_hits = response["hits"]["hits"]
    more = len(raw_hits) > params.size  # build_search asks for one extra hit
    raw_hits = raw_hits[: params.size]
    aggs = response.get("aggregations", {})
    facets: Json = dict.fromkeys(Facets.model_fields)
    for facet in params.facets:
        buckets = aggs[facet]["buckets"]["buckets"]
        if facet == "dates":
            days = [(_epoch_day(b["key"]), b["doc_count"]) for b in buckets]
            facets["dates"] = roll_up_dates(days)
        elif facet in TERMS_FACETS:
            facets[facet] = [{"value": b["key"], "count": b["doc_count"]} for b in buckets]
    return {
        "total": response["hits"]["total"]["value"],
        "hits": [hit_fields(hit) for hit in raw_hits],
        "next": encode_cursor(params.sort, raw_hits[-1]["sort"]) if more else None,
        "facets": facets,
        "took_ms": response.get("took", 0),
        "timed_out": bool(response.get("timed_out", False)),
    }


def hit_fields(hit: Mapping[str, Any]) -> Json:
    """One search hit as ``ArticleHit`` fields."""
    source = hit["_source"]
    highlight: Mapping[str, list[str]] = hit.get("highlight", {})
    return {
        "id": source["id"],
        "title": source["title"],
        "url": source.get("url"),
        "source": source["source"],
        "language": source["language"],
        "published_at": source["published_at"],
        "entities": _entities(source.get("entities", [])),
        "highlights": {
            "title": _title_segments(source["title"], highlight),
            "body": [segments(f) for f in _body_fragments(highlight)],
        },
        "score": hit.get("_score"),
    }


def related(article_id: str, response: Mapping[str, Any]) -> RelatedArticles:
    hits = [hit_fields(hit) for hit in response["hits"]["hits"]]
    return RelatedArticles.model_validate({"id": article_id, "hits": hits})


def article(source: Mapping[str, Any]) -> Article:
    """An article's stored document as the API's ``Article`` (index-only fields dropped)."""
    entities = [
        {
            "name": e["canonical"],
            "label": e["label"],
            "id": e.get("id"),
            "count": e.get("count", 1),
            "surface_forms": e.get("surface_forms", []),
        }
        for e in source.get("entities", [])
    ]
    fields = {k: v for k, v in source.items() if k in Article.model_fields and k != "entities"}
    return Article.model_validate({**fields, "entities": entities})


def segments(fragment: str) -> list[Json]:
    """Split a highlighted fragment at its markers into ``Segment`` fields (text, mark)."""
    out: list[Json] = []
    marked = False
    for part in _MARKS.split(fragment):
        if part == MARK_START:
            marked = True
        elif part == MARK_END:
            marked = False
        elif part:
            if out and out[-1]["mark"] == marked:
                out[-1]["text"] += part
            else:
                out.append({"text": part, "mark": marked})
    return out


def _title_segments(title: str, highlight: Mapping[str, list[str]]) -> list[Json]:
    # The language field matches inflected forms; the neutral one only folded forms.
    for key in sorted(highlight):
        if key.startswith("title_"):
            return segments(highlight[key][0])
    if "title" in highlight:
        return segments(highlight["title"][0])
    return [{"text": title, "mark": False}] if title else []


def _body_fragments(highlight: Mapping[str, list[str]]) -> list[str]:
    for key in sorted(highlight):
        if key.startswith("body_"):
            return highlight[key]
    return highlight.get("body") or highlight.get("summary") or []


def _entities(raw: list[Mapping[str, Any]]) -> list[Json]:
    seen: set[tuple[str, str]] = set()
    out = []
    for entity in raw:
        key = (entity["canonical"], entity["label"])
        if key not in seen:
            seen.add(key)
            out.append({"name": key[0], "label": key[1], "id": entity.get("id")})
    return out


def _epoch_day(millis: int) -> date:
    return datetime.fromtimestamp(millis / 1000, UTC).date()


def _floor(day: date, interval: Interval) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def _next(start: date, interval: Interval) -> date:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def roll_up_dates(days: list[tuple[date, int]]) -> DateFacet:
    """Daily counts as the finest of day/week/month/year that fits ``MAX_DATE_BUCKETS`` bars,
    gaps filled with zeros."""
    if not days:
        return DateFacet(interval="day", buckets=[])
    first, last = min(d for d, _ in days), max(d for d, _ in days)
    interval: Interval = "year"
    for candidate in ("day", "week", "month"):
        if _span(first, last, candidate) <= MAX_DATE_BUCKETS:
            interval = candidate
            break
    counts: Counter[date] = Counter()
    for day, count in days:
        counts[_floor(day, interval)] += count
    buckets = []
    start, end = _floor(first, interval), _floor(last, interval)
    while start <= end:
        buckets.append(DateBucket(date=start, count=counts[start]))
        start = _next(start, interval)
    return DateFacet(interval=interval, buckets=buckets)


def _span(first: date, last: date, interval: Interval) -> int:
    """How many buckets of ``interval`` cover first..last."""
    if interval == "day":
        return (last - first).days + 1
    if interval == "week":
        return (_floor(last, "week") - _floor(first, "week")).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1
