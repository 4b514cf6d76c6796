"""One bulk write to Elasticsearch, with per-document outcomes.

Documents carry the article version as an external version: Elasticsearch keeps the newest and
answers 409 to an older or equal one, which is how a replay or an out-of-order delivery becomes
a no-op. Each document ends as ``indexed``, ``unchanged`` (409), ``rejected`` (the document
itself is bad: dead-letter it) or ``retry`` (the node is unavailable or overloaded).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch, helpers

Verdict = Literal["indexed", "unchanged", "rejected", "retry"]


@dataclass(frozen=True, slots=True)
class Action:
    index: str
    doc_id: str
    version: int
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Result:
    verdict: Verdict
    status: int | None = None
    error: str | None = None


def _verdict(status: int) -> Verdict:
    if status in (200, 201):
        return "indexed"
    if status == 409:
        return "unchanged"
    if status == 429 or status >= 500:
        return "retry"
    return "rejected"


def write(client: Elasticsearch, actions: Sequence[Action]) -> tuple[list[Result], float]:
    """Send ``actions`` in one bulk request; return per-action results (in order) and seconds.

    A transport failure (node down, timeout) or a whole-request error makes every action
    ``retry``: nothing is lost, the caller sends them again.
    """
    bulk_actions = [
        {
            "_op_type": "index",
            "_index": a.index,
            "_id": a.doc_id,
            "version": a.version,
            "version_type": "external",
            "_source": a.document,
        }
        for a in actions
    ]
    start = time.perf_counter()
    results: list[Result] = []
    try:
        for _ok, item in helpers.streaming_bulk(
            client,
            bulk_actions,
            chunk_size=max(1, len(bulk_actions)),
            max_chunk_bytes=100 * 1024 * 1024,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=0,  # retries are ours: they must not commit, and must back off
        ):
            outcome = item.get("index", {})
            status = int(outcome.get("status", 500))
            error = outcome.get("error")
            results.append(Result(_verdict(status), status, _describe(error) if error else None))
    except (TransportConnectionError, ConnectionTimeout) as exc:
        return [Result("retry", None, f"{type(exc).__name__}: {exc}")] * len(actions), (
            time.perf_counter() - start
        )
    except ApiError as exc:
        # The whole request failed (401/403 credentials, 413 too large, 5xx...): that says
        # nothing against the documents themselves, so they are retried, never dead-lettered.
        status = exc.meta.status if exc.meta else 500
        return [Result("retry", status, str(exc))] * len(actions), time.perf_counter() - start
    return results, time.perf_counter() - start


def _describe(error: Any) -> str:
    if isinstance(error, dict):
        reason = error.get("reason", "")
        kind = error.get("type", "error")
        cause = error.get("caused_by") or {}
        detail = f"{kind}: {reason}"
        if cause:
            detail += f" (caused by {cause.get('type')}: {cause.get('reason')})"
        return detail
    return str(error)


def remove_older_copies(client: Elasticsearch, read_alias: str, written: Sequence[Action]) -> int:
    """Delete copies of newly written articles left in *other* monthly indices.

    External versions compare within one index; a new version whose publication month changed
    lands in another index, and the older copy there must go; a late older version written
    next to a newer copy elsewhere is removed instead. Uses realtime multi-get (a search would
    not see documents written a moment ago); nothing to do while the alias spans one index.
    Returns how many copies were deleted.
    """
    indices = sorted(client.indices.get_alias(name=read_alias).body)
    if len(indices) < 2 or not written:
        return 0
    mine = {a.doc_id: a for a in written}
    docs = [
        {"_index": index, "_id": a.doc_id}
        for a in mine.values()
        for index in indices
        if index != a.index
    ]
    found = client.mget(docs=docs, source=False)["docs"]
    stale = []
    for doc in found:
        if not doc.get("found"):
            continue
        action = mine[doc["_id"]]
        if int(doc.get("_version", 0)) > action.version:
            # The other copy is newer (out-of-order delivery): ours is the one to remove.
            stale.append({"_op_type": "delete", "_index": action.index, "_id": action.doc_id})
        else:
            stale.append({"_op_type": "delete", "_index": doc["_index"], "_id": doc["_id"]})
    if stale:
        helpers.bulk(client, stale, raise_on_error=False)
    return len(stale)
