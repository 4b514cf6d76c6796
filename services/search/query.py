"""What a search asks for (``SearchParams``) and the Elasticsearch request bodies that answer it.

Pure: no client, no I/O, so every rule here is unit-tested without a node.

- Text: ``q`` is parsed by the query language (``services.search.querylang``: terms, phrases,
  AND / OR / NOT, fields, proximity, prefixes, within cost limits) into a query built only from
  whitelisted fields and clause types, over each language's analysed fields (stemming, elision,
  folding) and the language-neutral folded fields: user input never becomes query DSL. A query
  that does not parse is refused before anything is sent (``QuerySyntaxError``, 422).
- Filters: languages and sources are OR-ed within themselves and applied as ``post_filter``, so
  the language facet still counts the other languages while ``lang=fr`` is selected (and the same
  for sources); entities (each one must match) and dates narrow everything, facets included.
- Paging: ``search_after`` on the sort values with ``id`` as tiebreaker; the client holds them as
  an opaque cursor (base64url JSON), which also records the sort it belongs to.
- Highlights: Elasticsearch marks matches with two private-use characters, never HTML; the
  service turns them into (text, marked) segments.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from services.search import querylang
from services.search.errors import InvalidQueryError
from shared.index import ANALYSED_LANGUAGES

MAX_QUERY_CHARS = 500
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 200
MAX_CURSOR_CHARS = 1_000
_ARTICLE_ID = re.compile(r"[0-9a-f]{64}")

Sort = Literal["relevance", "newest"]
Facet = Literal["languages", "sources", "people", "organisations", "places", "dates"]
SORTS: tuple[Sort, ...] = get_args(Sort)
FACETS: tuple[Facet, ...] = get_args(Facet)

# Private-use code points: they cannot be confused with markup, and article text practically
# never contains them (if one did, it would only shift a highlight, never inject anything).
MARK_START = "\ue000"
MARK_END = "\ue001"

TEXT_FIELDS = (
    *(f"title_{lang}^3" for lang in ANALYSED_LANGUAGES),
    *(f"body_{lang}" for lang in ANALYSED_LANGUAGES),
    "title^2",
    "summary",
    "body",
)
RELATED_FIELDS = (
    *(f"title_{lang}" for lang in ANALYSED_LANGUAGES),
    *(f"body_{lang}" for lang in ANALYSED_LANGUAGES),
    "title",
    "body",
)
ENTITY_FIELDS = ("people", "organisations", "places", "misc", "entity_ids")
TERMS_FACETS: dict[Facet, str] = {
    "languages": "language",
    "sources": "source",
    "people": "people",
    "organisations": "organisations",
    "places": "places",
}
# What a result list shows; bodies stay in Elasticsearch (snippets come from highlighting).
HIT_SOURCE = (
    "id",
    "title",
    "url",
    "source",
    "language",
    "published_at",
    "entities.canonical",
    "entities.label",
    "entities.id",
)
SNIPPET_CHARS = 180

_SORT_CLAUSES: dict[Sort, list[dict[str, Any]]] = {
    "relevance": [{"_score": "desc"}, {"published_at": "desc"}, {"id": "asc"}],
    "newest": [{"published_at": "desc"}, {"id": "asc"}],
}


@dataclass(frozen=True, slots=True)
class SearchParams:
    """One search, validated on construction (``InvalidQueryError`` names the bad parameter).

    ``published_from`` is inclusive, ``published_before`` exclusive; ``search_after`` is a
    decoded cursor (see ``decode_cursor``).
    """

    q: str = ""
    languages: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    published_from: datetime | None = None
    published_before: datetime | None = None
    sort: Sort = "relevance"
    size: int = DEFAULT_PAGE_SIZE
    search_after: tuple[Any, ...] | None = None
    facets: tuple[Facet, ...] = field(default=FACETS)

    def __post_init__(self) -> None:
        if len(self.q) > MAX_QUERY_CHARS:
            raise InvalidQueryError("q", f"the query is over {MAX_QUERY_CHARS} characters")
        if self.q.strip():
            parsed(self.q)  # a query that does not parse is refused before any request
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise InvalidQueryError("size", f"size must be between 1 and {MAX_PAGE_SIZE}")
        if self.sort not in SORTS:
            raise InvalidQueryError("sort", f"sort must be one of {', '.join(SORTS)}")
        for name, values in (
            ("lang", self.languages),
            ("entity", self.entities),
            ("source", self.sources),
        ):
            if len(values) > MAX_FILTER_VALUES:
                raise InvalidQueryError(name, f"at most {MAX_FILTER_VALUES} {name} values")
            if any(not v.strip() or len(v) > MAX_FILTER_CHARS for v in values):
                raise InvalidQueryError(
                    name, f"each {name} value must be 1 to {MAX_FILTER_CHARS} characters"
                )
        for name, when in (("from", self.published_from), ("to", self.published_before)):
            if when is not None and (when.tzinfo is None or when.utcoffset() is None):
                raise InvalidQueryError(name, "dates must carry a time zone")
        if (
            self.published_from is not None
            and self.published_before is not None
            and self.published_from >= self.published_before
        ):
            raise InvalidQueryError("to", "the date range is empty ('to' is before 'from')")
        unknown = set(self.facets) - set(FACETS)
        if unknown:
            raise InvalidQueryError("facets", f"unknown facets: {', '.join(sorted(unknown))}")


def encode_cursor(sort: Sort, values: list[Any]) -> str:
    """The opaque ``next`` token: the sort it belongs to and the last hit's sort values."""
    raw = json.dumps({"sort": sort, "after": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(token: str, sort: Sort) -> tuple[Any, ...]:
    """The sort values in ``token``, checked against ``sort`` (``InvalidQueryError`` if not)."""
    if len(token) > MAX_CURSOR_CHARS:
        raise InvalidQueryError("cursor", "the cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        decoded = json.loads(raw, parse_constant=_no_constants)  # NaN, Infinity: refused
    except (binascii.Error, ValueError) as exc:
        raise InvalidQueryError("cursor", "the cursor is not one this API issued") from exc
    if not isinstance(decoded, dict) or not isinstance(decoded.get("after"), list):
        raise InvalidQueryError("cursor", "the cursor is not one this API issued")
    if decoded.get("sort") != sort:
        raise InvalidQueryError(
            "cursor", f"the cursor belongs to sort={decoded.get('sort')!r}, not sort={sort!r}"
        )
    after: list[Any] = decoded["after"]
    if not _sort_values_valid(sort, after):
        raise InvalidQueryError("cursor", "the cursor is not one this API issued")
    return tuple(after)


# What a cursor's values may be: a finite score, a date as epoch milliseconds within what a long
# holds, an article id. Anything else (1e30, NaN, Infinity, a list) would reach Elasticsearch
# and fail there: it is refused here instead, naming the cursor.
_MAX_SCORE = 3.4e38  # a float's range: Elasticsearch scores are floats
_LONG = 2**63


def _score(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= _MAX_SCORE
    )


def _epoch_ms(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_LONG <= value < _LONG


def _article_id(value: Any) -> bool:
    return isinstance(value, str) and _ARTICLE_ID.fullmatch(value) is not None


def _sort_values_valid(sort: Sort, values: list[Any]) -> bool:
    if sort == "relevance":
        return (
            len(values) == 3
            and _score(values[0])
            and _epoch_ms(values[1])
            and _article_id(values[2])
        )
    return len(values) == 2 and _epoch_ms(values[0]) and _article_id(values[1])


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a cursor value")


@functools.lru_cache(maxsize=512)
def parsed(q: str) -> querylang.Node:
    """``q`` parsed (``QuerySyntaxError`` with the position if it does not parse); a search
    builds its query and its highlights from one parse."""
    return querylang.parse(q)


def text_query(q: str) -> dict[str, Any]:
    """``q`` in the query language, or match_all when it is empty."""
    if not q.strip():
        return {"match_all": {}}
    return querylang.to_es(parsed(q))


def entity_filter(entity: str) -> dict[str, Any]:
    """An entity given by canonical name (any label) or by id."""
    return {
        "bool": {
            "should": [{"term": {f: entity}} for f in ENTITY_FIELDS],
            "minimum_should_match": 1,
        }
    }


def _narrowing_filters(params: SearchParams) -> list[dict[str, Any]]:
    filters = [entity_filter(e) for e in params.entities]
    if params.published_from is not None or params.published_before is not None:
        bounds: dict[str, str] = {}
        if params.published_from is not None:
            bounds["gte"] = params.published_from.isoformat()
        if params.published_before is not None:
            bounds["lt"] = params.published_before.isoformat()
        filters.append({"range": {"published_at": bounds}})
    return filters


def _selection_filters(params: SearchParams, *, without: Facet | None = None) -> dict[str, Any]:
    filters = []
    if params.languages and without != "languages":
        filters.append({"terms": {"language": list(params.languages)}})
    if params.sources and without != "sources":
        filters.append({"terms": {"source": list(params.sources)}})
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


def facet_aggs(params: SearchParams, facet_size: int) -> dict[str, Any]:
    """One ``filter`` aggregation per facet, each holding its buckets under ``buckets``."""
    aggs: dict[str, Any] = {}
    for facet in params.facets:
        if facet == "dates":
            # Daily buckets; the service rolls them up to weeks or months when the span is long.
            inner: dict[str, Any] = {
                "date_histogram": {
                    "field": "published_at",
                    "calendar_interval": "day",
                    "min_doc_count": 1,
                }
            }
        else:
            inner = {"terms": {"field": TERMS_FACETS[facet], "size": facet_size}}
        # A facet ignores its own selection so that its other values keep their counts.
        own = facet if facet in ("languages", "sources") else None
        aggs[facet] = {
            "filter": _selection_filters(params, without=own),
            "aggs": {"buckets": inner},
        }
    return aggs


def highlight_spec(q: str) -> dict[str, Any]:
    """Highlight titles whole and bodies as fragments, each field with a query of its own.

    The unified highlighter walks the query once per hit and field; walked whole, the query's
    thirteen fields make highlighting cost more than the search. A one-field query per field
    marks the same words for a fraction of that.
    """
    body = {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 3}
    whole = {"number_of_fragments": 0}
    fields: dict[str, Any] = {}
    for lang in ANALYSED_LANGUAGES:
        fields[f"title_{lang}"] = dict(whole)
        fields[f"body_{lang}"] = dict(body)
    fields["title"] = dict(whole)
    # no_match_size: the opening of the text stands in as a snippet when nothing matched there.
    fields["body"] = {**body, "no_match_size": SNIPPET_CHARS}
    fields["summary"] = {**body, "no_match_size": SNIPPET_CHARS}
    if q.strip():
        node = parsed(q)
        for name, spec in fields.items():
            # One field per highlight query (see above); a field restriction (title:) is not
            # repeated here: it decided which articles match, not which words are marked.
            one: querylang.Fields = {"text": (name,), "title": (name,), "body": (name,)}
            spec["highlight_query"] = querylang.to_es(node, text_fields=one, prefix_fields=one)
    return {
        "type": "unified",
        "pre_tags": [MARK_START],
        "post_tags": [MARK_END],
        "fields": fields,
    }


def build_search(params: SearchParams, *, facet_size: int, timeout_s: float) -> dict[str, Any]:
    """The body of one search request (one more hit than asked: it tells if a next page exists)."""
    body: dict[str, Any] = {
        "query": {"bool": {"must": [text_query(params.q)], "filter": _narrowing_filters(params)}},
        "sort": _SORT_CLAUSES[params.sort],
        "size": params.size + 1,
        "track_total_hits": True,
        "_source": list(HIT_SOURCE),
        "highlight": highlight_spec(params.q),
        "timeout": f"{int(timeout_s * 1000)}ms",
    }
    if params.languages or params.sources:
        body["post_filter"] = _selection_filters(params)
    if params.facets:
        body["aggs"] = facet_aggs(params, facet_size)
    if params.search_after is not None:
        body["search_after"] = list(params.search_after)
    return body


def build_lookup(article_id: str, *, full: bool = True) -> dict[str, Any]:
    """Find one article by id across every monthly index behind the read alias."""
    source: Any = {"excludes": ["title_*", "body_*"]} if full else list(HIT_SOURCE)
    return {"query": {"ids": {"values": [article_id]}}, "size": 1, "_source": source}


def build_related(index: str, article_id: str, size: int) -> dict[str, Any]:
    """Articles sharing the most distinctive terms with one article, the article excluded."""
    return {
        "query": {
            "bool": {
                "must": [
                    {
                        "more_like_this": {
                            "fields": list(RELATED_FIELDS),
                            "like": [{"_index": index, "_id": article_id}],
                            "min_term_freq": 1,
                            # A term only this article has says nothing about relatedness.
                            "min_doc_freq": 2,
                            "max_query_terms": 30,
                            "minimum_should_match": "30%",
                        }
                    }
                ],
                # The same id may also sit in another monthly index (a re-dated version).
                "must_not": [{"ids": {"values": [article_id]}}],
            }
        },
        "size": size,
        "_source": list(HIT_SOURCE),
    }
