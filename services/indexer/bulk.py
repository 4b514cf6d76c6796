"""Bulk writes to Elasticsearch, with a verdict per document.

Documents carry the article version as an external version: Elasticsearch keeps the newest and
answers 409 to an older or equal one, which is how a replay or an out-of-order delivery becomes
a no-op. Each document ends as ``indexed``, ``unchanged`` (409), ``rejected`` (the document
itself is bad: dead-letter it) or ``retry`` (the node is unavailable or overloaded).

``BulkWriter`` does the I/O; ``result_of`` and ``failed_request`` turn what Elasticsearch
answered (an item of the bulk response, or an exception for the whole request) into
``WriteResult``s, so the classification is testable on hand-built answers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch, helpers

WriteVerdict = Literal["indexed", "unchanged", "rejected", "retry"]
MAX_REQUEST_BYTES = 100 * 1024 * 1024  # Elasticsearch's default http.max_content_length


class Action(NamedTuple):
    """One document to write (a tuple: a batch builds hundreds of them)."""

    index_name: str
    doc_id: str
    version: int
    document: dict[str, Any]


class WriteResult(NamedTuple):
    verdict: WriteVerdict
    status: int | None = None
    error: str | None = None


def verdict_of(status: int) -> WriteVerdict:
    if status in (200, 201):
        return "indexed"
    if status == 409:
        return "unchanged"
    if status == 429 or status >= 500:
        return "retry"
    return "rejected"


def result_of(item: Mapping[str, Any]) -> WriteResult:
    """One item of a bulk response: ``{"index": {"status": 201, "error": {...}?}}``."""
    outcome = item.get("index", {})
    status = int(outcome.get("status", 500))
    error = outcome.get("error")
    return WriteResult(verdict_of(status), status, describe(error) if error else None)


def failed_request(exc: Exception, count: int) -> list[WriteResult]:
    """What every action of a request that failed as a whole becomes: ``retry``.

    The node unreachable or timing out, or the request refused as a whole (401/403 credentials,
    413 too large, 429, 5xx...): that says nothing against the documents themselves, so they
    are sent again, never dead-lettered.
    """
    if isinstance(exc, ApiError):
        status = exc.meta.status if exc.meta else 500
        return [WriteResult("retry", status, str(exc))] * count
    return [WriteResult("retry", None, f"{type(exc).__name__}: {exc}")] * count


def describe(error: Any) -> str:
    if isinstance(error, dict):
        reason = error.get("reason", "")
        kind = error.get("type", "error")
        cause = error.get("caused_by") or {}
        detail = f"{kind}: {reason}"
        if cause:
            detail += f" (caused by {cause.get('type')}: {cause.get('reason')})"
        return detail
    return str(error)


class BulkWriter:
    """The indexer's requests to Elasticsearch: one bulk per batch, then stale-copy removal."""

    def __init__(self, client: Elasticsearch, read_alias: str) -> None:
        self.client = client
        self.read_alias = read_alias

    def write(self, actions: Sequence[Action]) -> tuple[list[WriteResult], float]:
        """Send ``actions`` in one bulk request; return per-action results (in order) and the
        seconds it took."""
        bulk_actions = [
            {
                "_op_type": "index",
                "_index": a.index_name,
                "_id": a.doc_id,
                "version": a.version,
                "version_type": "external",
                "_source": a.document,
            }
            for a in actions
        ]
        start = time.perf_counter()
        try:
            results = [
                result_of(item)
                for _ok, item in helpers.streaming_bulk(
                    self.client,
                    bulk_actions,
                    chunk_size=max(1, len(bulk_actions)),
                    max_chunk_bytes=MAX_REQUEST_BYTES,
                    raise_on_error=False,
                    raise_on_exception=True,
                    max_retries=0,  # retries are ours: they must not commit, and must back off
                )
            ]
        except (TransportConnectionError, ConnectionTimeout, ApiError) as exc:
            results = failed_request(exc, len(actions))
        return results, time.perf_counter() - start

    def remove_older_copies(self, written: Sequence[Action]) -> int:
        """Delete copies of newly written articles left in *other* monthly indices.

        External versions compare within one index; a new version whose publication month
        changed lands in another index, and the older copy there must go; a late older version
        written next to a newer copy elsewhere is removed instead. Uses realtime multi-get (a
        search would not see documents written a moment ago); nothing to do while the alias
        spans one index. Returns how many copies were deleted.
        """
        if not written:
            return 0
        indices = sorted(self.client.indices.get_alias(name=self.read_alias).body)
        if len(indices) < 2:
            return 0
        mine = {a.doc_id: a for a in written}
        docs = [
            {"_index": index, "_id": a.doc_id}
            for a in mine.values()
            for index in indices
            if index != a.index_name
        ]
        stale = []
        for doc in self.client.mget(docs=docs, source=False)["docs"]:
            if not doc.get("found"):
                continue
            action = mine[doc["_id"]]
            if int(doc.get("_version", 0)) > action.version:
                # The other copy is newer (out-of-order delivery): ours is the one to remove.
                stale.append(
                    {"_op_type": "delete", "_index": action.index_name, "_id": action.doc_id}
                )
            else:
                stale.append({"_op_type": "delete", "_index": doc["_index"], "_id": doc["_id"]})
        if stale:
            helpers.bulk(self.client, stale, raise_on_error=False)
        return len(stale)
