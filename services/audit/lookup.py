"""One article across the pipeline: ``newswire articles show ID``.

For one id: its records on the incoming and raw topics (version, content hash, time), what the
dedup stage made of each incoming record, its copies in the index, and its dead letters. Every
record of an id is on one partition of each topic (Kafka's default partitioning: murmur2 of the
key, modulo the partition count), so only that partition of each topic is read.

What became of an incoming record is told by content hash and time: the first raw record of
its hash written after it is its publication (``new`` at version 1, else ``changed``); a hash
already on the raw topic before it makes it a ``duplicate``; a dead letter naming its position
makes it ``dead-lettered``; anything else is ``not deduplicated`` yet.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, TopicPartition

from services.audit.reconcile import published, read_partitions
from shared.deadletter import DeadLetter
from shared.kafka import murmur2
from shared.names import Names


def key_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives ``key`` (Java's and kafka-python's)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


@dataclass(frozen=True, slots=True)
class TopicRecord:
    partition: int
    offset: int
    at: datetime
    version: int
    content_hash: str | None
    verdict: str = ""  # incoming records: what the dedup stage made of it


@dataclass(frozen=True, slots=True)
class IndexedCopy:
    index: str
    version: int
    content_hash: str | None


@dataclass
class ArticleTrace:
    article_id: str
    incoming: list[TopicRecord] = field(default_factory=list)
    raw: list[TopicRecord] = field(default_factory=list)
    indexed: list[IndexedCopy] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.incoming or self.raw or self.indexed or self.dead_letters)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "incoming": [asdict(r) | {"at": r.at.isoformat()} for r in self.incoming],
            "raw": [asdict(r) | {"at": r.at.isoformat()} for r in self.raw],
            "indexed": [asdict(c) for c in self.indexed],
            "dead_letters": [d.model_dump(mode="json") for d in self.dead_letters],
        }


def _records(consumer: KafkaConsumer, topic: str, key: bytes) -> list[Any]:
    partitions = sorted(consumer.partitions_for_topic(topic) or set())
    if not partitions:
        return []
    tp = TopicPartition(topic, partitions[key_partition(key, len(partitions))])
    return [r for r in read_partitions(consumer, [tp]) if r.key == key]


def _topic_record(record: Any, verdict: str = "") -> TopicRecord:
    found = published(record.value)
    at = datetime.fromtimestamp(record.timestamp / 1000, UTC)
    return TopicRecord(
        record.partition, record.offset, at, found.version, found.content_hash, verdict
    )


def verdicts(
    incoming: list[TopicRecord], raw: list[TopicRecord], dead: set[tuple[int, int]]
) -> list[TopicRecord]:
    """``incoming`` with the verdict of each record (see the module docstring)."""
    claimed: set[tuple[int, str | None]] = set()
    out = []
    for record in incoming:
        same = [r for r in raw if r.content_hash == record.content_hash]
        later = [
            r for r in same if r.at >= record.at and (r.version, r.content_hash) not in claimed
        ]
        if (record.partition, record.offset) in dead:
            verdict = "dead-lettered"
        elif later:
            first = later[0]
            claimed.add((first.version, first.content_hash))  # and its re-sent copies
            verdict = f"{'new' if first.version == 1 else 'changed'}: v{first.version}"
        elif same:
            verdict = f"duplicate of v{same[-1].version}"
        else:
            verdict = "not deduplicated"
        out.append(TopicRecord(**(asdict(record) | {"verdict": verdict})))
    return out


def _indexed(es: Elasticsearch, names: Names, article_id: str) -> list[IndexedCopy]:
    if not es.indices.exists_alias(name=names.read_alias):
        return []
    hits = es.search(
        index=names.read_alias,
        query={"ids": {"values": [article_id]}},
        source_includes=["content_hash"],
        version=True,
        size=10,
    )["hits"]["hits"]
    return [
        IndexedCopy(
            hit["_index"],
            int(hit.get("_version", 1)),
            (hit.get("_source") or {}).get("content_hash"),
        )
        for hit in hits
    ]


def _dead_letters(consumer: KafkaConsumer, names: Names, key: bytes) -> list[DeadLetter]:
    partitions = sorted(consumer.partitions_for_topic(names.dead_letter_topic) or set())
    if not partitions:
        return []
    tp = TopicPartition(names.dead_letter_topic, partitions[key_partition(key, len(partitions))])
    found = []
    for record in read_partitions(consumer, [tp]):
        try:
            letter = DeadLetter.model_validate(json.loads(record.value))
        except ValueError:
            continue
        # Keyed by the article id; a record the dedup stage could not read keeps its key only.
        if letter.article_id == key.decode() or record.key == key:
            found.append(letter)
    return found


def trace(
    consumer: KafkaConsumer, es: Elasticsearch, names: Names, article_id: str
) -> ArticleTrace:
    key = article_id.encode()
    result = ArticleTrace(article_id)
    # Incoming first: what the dedup stage publishes meanwhile is then read on the raw topic.
    incoming = [_topic_record(r) for r in _records(consumer, names.incoming_topic, key)]
    result.raw = [_topic_record(r) for r in _records(consumer, names.raw_topic, key)]
    result.dead_letters = _dead_letters(consumer, names, key)
    dead = {
        (letter.partition or 0, letter.offset or 0)
        for letter in result.dead_letters
        if letter.topic == names.incoming_topic
    }
    result.incoming = verdicts(incoming, result.raw, dead)
    result.indexed = _indexed(es, names, article_id)
    return result
