"""What the indexer's tests share: enriched articles to feed it, an Elasticsearch client whose
node answers from a script (no server), and a scripted writer for the loop's unit tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elasticsearch import Elasticsearch

from services.indexer.bulk import Action, WriteResult, WriteVerdict
from shared.models import EnrichedArticle, Entity, RawArticle

PUBLISHED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
STATUS = {"indexed": 201, "unchanged": 409, "rejected": 400, "retry": 429}


def enriched(
    n: int, version: int = 1, body: str = "Le traité est signé.", **extra: Any
) -> EnrichedArticle:
    raw = RawArticle.create(
        title=f"Article {n}",
        body=body,
        url=f"https://news.example.fr/{n}",
        source_kind="feed",
        source="news.example.fr",
        published_at=PUBLISHED,
        version=version,
        language_hint="fr",
    )
    fields: dict[str, Any] = {
        "language": "fr",
        "language_confidence": 0.99,
        "entities": [Entity(canonical="Vienne", label="LOC", id="geo:2761369", count=1)],
        "word_count": 4,
        "reading_time_s": 1,
        "enriched_at": PUBLISHED,
    }
    fields.update(extra)
    return EnrichedArticle.from_raw(raw, **fields)


# -- Elasticsearch with a scripted node ------------------------------------------------------
Answer = tuple[int, Any] | Exception  # (HTTP status, JSON body) or what the node raises


class _NodeResponse(NamedTuple):  # what a node returns to the transport
    meta: ApiResponseMeta
    body: bytes


def scripted_client(
    answer: Callable[[str, str, bytes | None], Answer],
) -> tuple[Elasticsearch, list[tuple[str, str, bytes | None]]]:
    """A real client whose node calls ``answer(method, target, body)`` instead of the network;
    returns it with the list of requests it received."""
    requests: list[tuple[str, str, bytes | None]] = []

    class ScriptedNode(BaseNode):
        def perform_request(
            self,
            method: str,
            target: str,
            body: bytes | None = None,
            headers: HttpHeaders | None = None,
            request_timeout: Any = None,
        ) -> Any:
            requests.append((method, target, body))
            result = answer(method, target, body)
            if isinstance(result, Exception):
                raise result
            status, payload = result
            meta = ApiResponseMeta(
                status=status,
                http_version="1.1",
                headers=HttpHeaders(
                    {"content-type": "application/json", "x-elastic-product": "Elasticsearch"}
                ),
                duration=0.0,
                node=self.config,
            )
            return _NodeResponse(meta, orjson.dumps(payload))

    client = Elasticsearch("http://scripted:9200", node_class=ScriptedNode, max_retries=0)
    return client, requests


# -- a scripted writer for the loop ----------------------------------------------------------
class ScriptedWriter:
    """Answers each document with its scripted verdicts, one per attempt (the last repeats;
    default ``indexed``). A write holding a document listed in ``gates`` waits for its event."""

    def __init__(self) -> None:
        self.verdicts: dict[str, list[WriteVerdict]] = {}
        self.gates: dict[str, threading.Event] = {}
        self.attempts: dict[str, int] = {}
        self.done: list[list[str]] = []  # doc ids of each completed write, in completion order
        self.removed_for: list[list[str]] = []
        self.lock = threading.Lock()

    def write(self, actions: Sequence[Action]) -> tuple[list[WriteResult], float]:
        ids = [a.doc_id for a in actions]
        for doc_id in ids:
            if doc_id in self.gates:
                assert self.gates[doc_id].wait(30), "gate never opened"
        results = []
        with self.lock:
            for doc_id in ids:
                attempt = self.attempts.get(doc_id, 0)
                self.attempts[doc_id] = attempt + 1
                script = self.verdicts.get(doc_id, ["indexed"])
                verdict = script[min(attempt, len(script) - 1)]
                error = "mapper_parsing_exception: bad" if verdict == "rejected" else None
                results.append(WriteResult(verdict, STATUS[verdict], error))
            self.done.append(ids)
        return results, 0.001

    def remove_older_copies(self, written: Sequence[Action]) -> int:
        self.removed_for.append([a.doc_id for a in written])
        return 0
