"""What search answers: the JSON shapes of the API (and of ``newswire search --json``).

Highlighted text is never markup: it is a list of segments, each plain text with a flag telling
whether it matched the query; a client renders the marked ones (e.g. as ``<mark>``) with its own
escaping, so article text can never become HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class Segment(BaseModel):
    text: str
    mark: bool = Field(description="True when this piece matched the query.")


class EntityRef(BaseModel):
    name: str = Field(description="Canonical name; also what `entity=` filters on.")
    label: str = Field(description="PER, ORG, LOC or MISC.")
    id: str | None = Field(default=None, description="Stable cross-language id, when known.")


class Highlights(BaseModel):
    title: list[Segment] = Field(description="The whole title, matched words marked.")
    body: list[list[Segment]] = Field(
        description="Up to three fragments around the matches (or the opening lines)."
    )


class ArticleHit(BaseModel):
    id: str
    title: str
    url: str | None
    source: str
    language: str
    published_at: dt.datetime
    entities: list[EntityRef]
    highlights: Highlights
    score: float | None = Field(description="Relevance score (null when sorted by date).")


class Bucket(BaseModel):
    value: str
    count: int


class DateBucket(BaseModel):
    date: dt.date = Field(description="First day of the bucket (UTC).")
    count: int


class DateFacet(BaseModel):
    interval: Literal["day", "week", "month", "year"]
    buckets: list[DateBucket]


class Facets(BaseModel):
    """Counts over the whole result set; a facet left out of `facets=` is null."""

    languages: list[Bucket] | None = None
    sources: list[Bucket] | None = None
    people: list[Bucket] | None = None
    organisations: list[Bucket] | None = None
    places: list[Bucket] | None = None
    dates: DateFacet | None = None


class SearchPage(BaseModel):
    total: int = Field(description="Articles matching the query and every filter.")
    hits: list[ArticleHit]
    next: str | None = Field(
        description="Pass as `cursor` (same query, same sort) for the next page; null at the end."
    )
    facets: Facets
    took_ms: int = Field(description="Time Elasticsearch spent on the search.")
    timed_out: bool = Field(description="True when the hits are partial (time limit reached).")


class EntityDetail(EntityRef):
    count: int
    surface_forms: list[str]


class Article(BaseModel):
    id: str
    version: int
    url: str | None
    title: str
    summary: str
    body: str
    authors: list[str]
    published_at: dt.datetime
    published_at_inferred: bool
    source: str
    source_kind: str
    language: str
    language_confidence: float
    entities: list[EntityDetail]
    word_count: int
    reading_time_s: int


class RelatedArticles(BaseModel):
    id: str = Field(description="The article the others relate to.")
    hits: list[ArticleHit]
