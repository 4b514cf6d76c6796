"""The Elasticsearch calls behind search, without a node: the client's errors become search
errors (422 / 503 / 404), and the article lookups."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, ConnectionError, HttpHeaders, NodeConfig
from elasticsearch import ApiError, BadRequestError, NotFoundError

from services.search.backend import SearchBackend, translate_errors
from services.search.errors import ArticleNotFoundError, BackendUnavailableError, InvalidQueryError
from services.search.query import SearchParams
from shared.errors import ExitCode
from shared.names import Names

NAMES = Names("unit")


def _meta(status: int) -> ApiResponseMeta:
    return ApiResponseMeta(status, "1.1", HttpHeaders(), 0.0, NodeConfig("http", "es", 9200))


def _raise(exc: Exception) -> None:
    with translate_errors(NAMES):
        raise exc


def test_a_refused_search_names_the_query() -> None:
    with pytest.raises(InvalidQueryError) as caught:
        _raise(BadRequestError("search_after out of range", _meta(400), {}))
    assert caught.value.field == "query"
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (NotFoundError("index_not_found", _meta(404), {}), "newswire setup"),
        (ApiError("unavailable", _meta(503), {}), "answered 503"),
        (ConnectionError("connection refused"), "unreachable"),
    ],
)
def test_elasticsearch_not_answering_is_unavailable(exc: Exception, says: str) -> None:
    with pytest.raises(BackendUnavailableError, match=says) as caught:
        _raise(exc)
    assert caught.value.exit_code == ExitCode.UNAVAILABLE


class _Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def __getitem__(self, key: str) -> Any:
        return self.body[key]


class FakeClient:
    """The asyncio client's calls the backend makes, answered from ``hits``."""

    def __init__(self, hits: list[dict[str, Any]]) -> None:
        self.hits = hits
        self.bodies: list[dict[str, Any]] = []
        self.timeouts: list[float] = []

    async def search(self, *, index: str, body: dict[str, Any]) -> _Response:
        assert index == NAMES.read_alias
        self.bodies.append(body)
        return _Response({"took": 1, "timed_out": True, "hits": {"hits": self.hits}})

    def options(self, *, request_timeout: float) -> FakeClient:
        self.timeouts.append(request_timeout)
        return self

    @property
    def cluster(self) -> FakeClient:
        return self

    async def health(self) -> dict[str, str]:
        return {"status": "yellow"}


def _backend(client: FakeClient) -> SearchBackend:
    fake: Any = client
    return SearchBackend(fake, NAMES, timeout_s=20)


def test_lookups_and_related_search_the_read_alias() -> None:
    client = FakeClient([{"_index": "unit-articles-2026.11", "_id": "a", "_source": {}}])
    backend = _backend(client)
    assert asyncio.run(backend.article("a"))["_index"] == "unit-articles-2026.11"
    asyncio.run(backend.related("a", 3))
    mlt = client.bodies[-1]
    assert mlt["size"] == 3
    assert "unit-articles-2026.11" in str(mlt)  # more like the article, in its own index
    assert asyncio.run(backend.health()) == "yellow"
    assert client.timeouts == [5.0]  # a probe waits 5 s at most


def test_unknown_article_is_not_found() -> None:
    with pytest.raises(ArticleNotFoundError):
        asyncio.run(_backend(FakeClient([])).article("nope"))


def test_a_timed_out_search_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    answer = asyncio.run(_backend(FakeClient([])).search(SearchParams(q="x", facets=())))
    assert answer["timed_out"] is True
    assert "search timed out" in caplog.text
