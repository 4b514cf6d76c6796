"""Search parameters and request bodies, without a node."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from services.search.errors import InvalidQueryError
from services.search.query import (
    MAX_QUERY_CHARS,
    SearchParams,
    build_related,
    build_search,
    decode_cursor,
    encode_cursor,
    text_query,
)

ID = "ab" * 32


def test_cursor_round_trip() -> None:
    token = encode_cursor("relevance", [3.25, 1795598717634, ID])
    assert "=" not in token
    assert "+" not in token
    assert "/" not in token
    assert decode_cursor(token, "relevance") == (3.25, 1795598717634, ID)
    assert decode_cursor(encode_cursor("newest", [1, ID]), "newest") == (1, ID)


def _raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "after",
    [
        '[1e39, 1, "%s"]' % ("a" * 64),  # a score past a float's range
        '[NaN, 1, "%s"]' % ("a" * 64),
        '[Infinity, 1, "%s"]' % ("a" * 64),
        '[-1, 1, "%s"]' % ("a" * 64),
        '[1, 1e30, "%s"]' % ("a" * 64),  # a date that is not an integer
        '[1, 99999999999999999999999, "%s"]' % ("a" * 64),  # past a long
        '[1, 1, "not an id"]',
        '[1, 1, ["nested"]]',
    ],
)
def test_tampered_cursor_values_are_refused_naming_the_cursor(after: str) -> None:
    token = _raw_cursor('{"sort":"relevance","after":' + after + "}")
    with pytest.raises(InvalidQueryError) as caught:
        decode_cursor(token, "relevance")
    assert caught.value.field == "cursor"


@pytest.mark.parametrize(
    "token",
    [
        "not base64 !",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'["a list"]').decode(),
        encode_cursor("newest", ["not a date", "x"]),
        encode_cursor("newest", [1, "x", "extra"]),
        encode_cursor("newest", [True, "x"]),
        "A" * 2000,
    ],
)
def test_bad_cursors_are_refused(token: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        decode_cursor(token, "newest")
    assert caught.value.field == "cursor"


def test_a_cursor_belongs_to_its_sort() -> None:
    with pytest.raises(InvalidQueryError, match="sort='newest'"):
        decode_cursor(encode_cursor("newest", [1, "x"]), "relevance")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"q": "x" * (MAX_QUERY_CHARS + 1)}, "q"),
        ({"size": 0}, "size"),
        ({"size": 101}, "size"),
        ({"languages": ("",)}, "lang"),
        ({"entities": ("e",) * 21}, "entity"),
        ({"published_from": datetime(2026, 1, 1)}, "from"),
        (
            {
                "published_from": datetime(2026, 2, 1, tzinfo=UTC),
                "published_before": datetime(2026, 1, 1, tzinfo=UTC),
            },
            "to",
        ),
        ({"facets": ("colours",)}, "facets"),
    ],
)
def test_params_are_validated(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        SearchParams(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_user_text_only_reaches_whitelisted_clauses() -> None:
    hostile = '"{\\"script\\": {\\"source\\": \\"x\\"}}" OR script'
    query = text_query(hostile)
    text = json.dumps(query)
    assert '"script":' not in text  # the user's JSON is a phrase's text, never a clause
    assert list(query) == ["bool"]
    fields = query["bool"]["must"][0]["bool"]["should"][0]["multi_match"]["fields"]
    assert {"title_fr^3", "body_fr", "title_en^3", "body_en", "title^2", "summary", "body"} <= set(
        fields
    )
    assert text_query("  ") == {"match_all": {}}


def test_a_query_that_does_not_parse_is_refused_naming_q() -> None:
    with pytest.raises(InvalidQueryError) as caught:
        SearchParams(q="title:(guerre OR")
    assert caught.value.field == "q"


def test_selection_filters_are_post_filters_and_facets_ignore_their_own() -> None:
    params = SearchParams(q="x", languages=("fr",), sources=("lemonde.fr",), entities=("Paris",))
    body = build_search(params, facet_size=5, timeout_s=2)
    assert body["size"] == params.size + 1
    assert body["timeout"] == "2000ms"
    by_language = {"terms": {"language": ["fr"]}}
    by_source = {"terms": {"source": ["lemonde.fr"]}}
    assert body["post_filter"] == {"bool": {"filter": [by_language, by_source]}}
    # Entities narrow the query itself, hence every facet.
    assert len(body["query"]["bool"]["filter"]) == 1
    aggs = body["aggs"]
    assert aggs["languages"]["filter"] == {"bool": {"filter": [by_source]}}
    assert aggs["sources"]["filter"] == {"bool": {"filter": [by_language]}}
    assert aggs["people"]["filter"] == body["post_filter"]
    assert aggs["people"]["aggs"]["buckets"]["terms"] == {"field": "people", "size": 5}
    assert "date_histogram" in aggs["dates"]["aggs"]["buckets"]


def test_no_selection_no_post_filter_and_facets_can_be_left_out() -> None:
    body = build_search(SearchParams(facets=()), facet_size=5, timeout_s=1)
    assert "post_filter" not in body
    assert "aggs" not in body
    assert body["sort"][-1] == {"id": "asc"}  # the tiebreaker that makes paging exact


def test_dates_are_a_half_open_range() -> None:
    params = SearchParams(
        published_from=datetime(2026, 11, 1, tzinfo=UTC),
        published_before=datetime(2026, 11, 2, tzinfo=UTC),
    )
    body = build_search(params, facet_size=5, timeout_s=1)
    assert body["query"]["bool"]["filter"] == [
        {
            "range": {
                "published_at": {
                    "gte": "2026-11-01T00:00:00+00:00",
                    "lt": "2026-11-02T00:00:00+00:00",
                }
            }
        }
    ]


def test_related_excludes_the_article() -> None:
    body = build_related("ns-articles-2026.11", "abc", 5)
    mlt = body["query"]["bool"]["must"][0]["more_like_this"]
    assert mlt["like"] == [{"_index": "ns-articles-2026.11", "_id": "abc"}]
    assert "title_fr" in mlt["fields"]
    assert "body" in mlt["fields"]
    assert body["query"]["bool"]["must_not"] == [{"ids": {"values": ["abc"]}}]


def test_each_highlighted_field_has_its_own_query() -> None:
    body = build_search(SearchParams(q="arme -paix"), facet_size=5, timeout_s=1)
    fields = body["highlight"]["fields"]
    highlight = json.dumps(fields["title_fr"]["highlight_query"])
    assert '"title_fr"' in highlight
    assert "body_fr" not in highlight  # one field per highlight query
    assert fields["body"]["no_match_size"] > 0
    assert (
        "highlight_query"
        not in build_search(SearchParams(), facet_size=5, timeout_s=1)["highlight"]["fields"][
            "body"
        ]
    )
