"""What an incoming article is, given what was last published under its id.

The table keeps one small value per id, ``b"<version> <content hash> <offset>"``: the version
and hash of the last article sent to the raw topic and acknowledged there, and the offset of
the incoming record it was decided from. Everything here is pure, so the rules are tested
without a broker.

Why the offset: the table is written before the batch's offsets are committed, so a worker
that dies in between leaves a table ahead of its committed offsets, and the records after the
commit are delivered again. Decided against that table, an old record would look like an edit
of the newest version and be published again as the next version, its old text becoming the
newest. An id's records are all on one incoming partition, in offset order, so a record at or
below the stored offset was decided already (and published: the table is written only after
Kafka acknowledged the raw send): it is ``redelivered``, nothing is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import orjson


class Verdict(StrEnum):
    NEW = "new"  # first time this id is seen: version 1
    CHANGED = "changed"  # the id is known with other content: the next version
    DUPLICATE = "duplicate"  # the id is known with this very content: nothing to publish
    REDELIVERED = "redelivered"  # decided before a crash (offset at or below the stored one)


@dataclass(frozen=True, slots=True)
class Seen:
    """The last version of an id that reached the raw topic."""

    version: int
    content_hash: str
    offset: int = -1  # of the incoming record decided; -1: unknown (a value without one)

    def encode(self) -> bytes:
        return f"{self.version} {self.content_hash} {self.offset}".encode()

    @classmethod
    def decode(cls, value: bytes | None) -> Seen | None:
        if not value:
            return None
        version, content_hash, *offset = value.decode().split(" ")
        return cls(int(version), content_hash, int(offset[0]) if offset else -1)


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    version: int


def decide(seen: Seen | None, content_hash: str, offset: int = -1) -> Decision:
    """The verdict on the incoming record at ``offset`` (of its id's partition), given what
    was last published for its id."""
    if seen is None:
        return Decision(Verdict.NEW, 1)
    if offset >= 0 and offset <= seen.offset:
        return Decision(Verdict.REDELIVERED, seen.version)
    if seen.content_hash == content_hash:
        return Decision(Verdict.DUPLICATE, seen.version)
    return Decision(Verdict.CHANGED, seen.version + 1)


@dataclass(frozen=True, slots=True)
class Incoming:
    """The fields of an incoming record the decision needs, and the record itself."""

    article_id: str
    content_hash: str
    document: dict[str, object]


class NotAnArticleError(ValueError):
    """The record cannot be an article from ingest (it is dead-lettered, not retried)."""


def read(value: bytes | None) -> Incoming:
    """Read the id and content hash of an incoming record.

    The record was validated by ingest against ``RawArticle``; enrich validates it again in
    full. Here only what the decision needs is checked, so a stream of good records is not
    validated twice for nothing.
    """
    if not value:
        raise NotAnArticleError("empty record")
    try:
        document = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise NotAnArticleError(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise NotAnArticleError("not a JSON object")
    article_id, content_hash = document.get("id"), document.get("content_hash")
    if not isinstance(article_id, str) or not isinstance(content_hash, str) or not content_hash:
        raise NotAnArticleError("no article id or content hash")
    if " " in content_hash:
        raise NotAnArticleError("a content hash holds no space")
    return Incoming(article_id, content_hash, document)


def stamped(incoming: Incoming, version: int) -> bytes:
    """The record to publish on the raw topic: the incoming one with its version."""
    return orjson.dumps({**incoming.document, "version": version})
