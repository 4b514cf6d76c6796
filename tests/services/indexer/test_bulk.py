"""Bulk verdicts without a node: each item of a bulk answer, a request failing as a whole, and
``BulkWriter`` against a client whose node answers from a script."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from elastic_transport import (
    ApiResponseMeta,
    ConnectionError,
    ConnectionTimeout,
    HttpHeaders,
    NodeConfig,
)
from elasticsearch import ApiError

from services.indexer.bulk import (
    Action,
    BulkWriter,
    WriteResult,
    failed_request,
    result_of,
    verdict_of,
)
from tests.services.indexer.conftest import Answer, scripted_client

REJECTED = {
    "type": "document_parsing_exception",
    "reason": "failed to parse field [people]",
    "caused_by": {"type": "illegal_argument_exception", "reason": "term too long"},
}


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, "indexed"),
        (201, "indexed"),
        (409, "unchanged"),  # external version not newer: a replay
        (400, "rejected"),
        (413, "rejected"),  # this one document is too large: no retry makes it smaller
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
    ],
)
def test_status_to_verdict(status: int, verdict: str) -> None:
    assert verdict_of(status) == verdict


def test_items_of_a_bulk_answer() -> None:
    assert result_of({"index": {"status": 201}}) == WriteResult("indexed", 201, None)
    assert result_of({"index": {"status": 409, "error": {"type": "version_conflict"}}}) == (
        WriteResult("unchanged", 409, "version_conflict: ")
    )
    rejected = result_of({"index": {"status": 400, "error": REJECTED}})
    assert rejected.verdict == "rejected"
    assert rejected.error == (
        "document_parsing_exception: failed to parse field [people] "
        "(caused by illegal_argument_exception: term too long)"
    )
    # An item without a status says nothing against the document: retried.
    assert result_of({"index": {}}).verdict == "retry"


def _api_error(status: int) -> ApiError:
    meta = ApiResponseMeta(status, "1.1", HttpHeaders(), 0.0, NodeConfig("http", "es", 9200))
    return ApiError("refused", meta=meta, body={"error": "refused"})


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (ConnectionError("refused"), None),
        (ConnectionTimeout("timed out"), None),
        (_api_error(401), 401),  # credentials: fix them and the documents go in
        (_api_error(413), 413),  # the whole request too large
        (_api_error(503), 503),
    ],
)
def test_a_request_failing_as_a_whole_is_retried_never_rejected(
    exc: Exception, status: int | None
) -> None:
    results = failed_request(exc, 3)
    assert [r.verdict for r in results] == ["retry"] * 3
    assert {r.status for r in results} == {status}
    assert all(r.error for r in results)


def _actions(*ids: str) -> list[Action]:
    return [Action("news-2026.11", doc_id, 2, {"title": doc_id}) for doc_id in ids]


def test_writer_sends_external_versions_and_reads_each_item() -> None:
    def answer(method: str, target: str, body: bytes | None) -> Answer:
        items = [
            {"index": {"_id": "a", "status": 201}},
            {"index": {"_id": "b", "status": 409, "error": {"type": "version_conflict"}}},
            {"index": {"_id": "c", "status": 400, "error": REJECTED}},
            {"index": {"_id": "d", "status": 429, "error": {"type": "es_rejected_execution"}}},
        ]
        return 200, {"took": 1, "errors": True, "items": items}

    client, requests = scripted_client(answer)
    results, seconds = BulkWriter(client, "news").write(_actions("a", "b", "c", "d"))
    assert [r.verdict for r in results] == ["indexed", "unchanged", "rejected", "retry"]
    assert seconds >= 0
    [(method, target, body)] = requests
    assert (method, target.split("?")[0]) == ("PUT", "/_bulk")
    assert body is not None
    lines = [orjson.loads(line) for line in body.splitlines()]
    assert lines[0] == {
        "index": {"_index": "news-2026.11", "_id": "a", "version": 2, "version_type": "external"}
    }
    assert lines[1] == {"title": "a"}


@pytest.mark.parametrize(
    "failure",
    [ConnectionError("connection refused"), (503, {"error": "unavailable"}), (429, {})],
)
def test_writer_turns_a_failed_request_into_retries(failure: Any) -> None:
    client, _ = scripted_client(lambda *_: failure)
    results, _ = BulkWriter(client, "news").write(_actions("a", "b"))
    assert [r.verdict for r in results] == ["retry", "retry"]


def test_older_copies_in_other_months_are_deleted() -> None:
    deleted: list[dict[str, Any]] = []

    def answer(method: str, target: str, body: bytes | None) -> Answer:
        path = target.split("?")[0]
        if path.startswith("/_alias/"):
            return 200, {"news-2026.10": {}, "news-2026.11": {}}
        if path == "/_mget":
            # "a" has an older copy in October; "b" a newer one there (ours came late).
            return 200, {
                "docs": [
                    {"_index": "news-2026.10", "_id": "a", "found": True, "_version": 1},
                    {"_index": "news-2026.10", "_id": "b", "found": True, "_version": 5},
                    {"_index": "news-2026.10", "_id": "c", "found": False},
                ]
            }
        assert path == "/_bulk"
        assert body is not None
        deleted.extend(orjson.loads(line)["delete"] for line in body.splitlines())
        return 200, {"errors": False, "items": [{"delete": {"status": 200}}] * len(deleted)}

    client, _ = scripted_client(answer)
    assert BulkWriter(client, "news").remove_older_copies(_actions("a", "b", "c")) == 2
    assert deleted == [
        {"_index": "news-2026.10", "_id": "a"},
        {"_index": "news-2026.11", "_id": "b"},
    ]


def test_no_lookup_while_one_index_or_nothing_written() -> None:
    client, requests = scripted_client(lambda *_: (200, {"news-2026.11": {}}))
    writer = BulkWriter(client, "news")
    assert writer.remove_older_copies([]) == 0
    assert requests == []
    assert writer.remove_older_copies(_actions("a")) == 0
    assert len(requests) == 1  # the alias only
