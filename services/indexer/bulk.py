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
        status = exc.meta.status if exc.meta else 500
        verdict: Verdict = "retry" if status == 429 or status >= 500 else "rejected"
        return [Result(verdict, status, str(exc))] * len(actions), time.perf_counter() - start
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
