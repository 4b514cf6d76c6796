"""Reconciling the pipeline's stages by article id.

Every article ingest accepted (any record on the incoming topic) must reach the raw topic as a
new or changed version, or be a duplicate of what is there (the same content hash as a raw
record of its id), or be dead-lettered; an incoming record that is none of these is "not
deduplicated": the dedup stage has not got to it (is it running? its group's lag says how far
behind it is), and ``--wait`` waits for it. Every article published (any id on the raw topic)
must end either in the index, at its newest version, or in the dead-letter topic with a reason
(from enrich or the indexer). The audit reads the four topics to their current end and lists
the index's ids, then reports what does not balance: incoming records not deduplicated, ids
neither indexed nor dead-lettered ("missing"), ids in more than one index
("duplicated"), ids indexed at an older version than the newest raw one ("stale"), ids whose
indexed text is not the newest text published for them ("lost edits": the index holds the
version number of the newest raw record but another content hash), and ids published twice
under one version with different texts ("conflicting"): an edit the versioned index can never
take, since Elasticsearch keeps the first document of a version.
Inputs that never became an article (ingest dead letters without an id) are counted apart.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, TopicPartition

from shared.names import Names


@dataclass
class AuditReport:
    incoming_ids: int = 0
    incoming_records: int = 0
    raw_ids: int = 0
    raw_records: int = 0
    enriched_ids: int = 0
    indexed_ids: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)  # by stage
    dead_letter_reasons: Counter[str] = field(default_factory=Counter)
    inputs_rejected_at_ingest: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    lost_edits: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    not_deduplicated: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not (
            self.missing
            or self.duplicated
            or self.stale
            or self.lost_edits
            or self.conflicting
            or self.not_deduplicated
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "balanced": self.balanced,
            "incoming": {"ids": self.incoming_ids, "records": self.incoming_records},
            "raw": {"ids": self.raw_ids, "records": self.raw_records},
            "enriched": {"ids": self.enriched_ids},
            "indexed": {"ids": self.indexed_ids},
            "dead_letters": dict(self.dead_letters),
            "dead_letter_reasons": dict(self.dead_letter_reasons),
            "inputs_rejected_at_ingest": self.inputs_rejected_at_ingest,
            "missing": self.missing,
            "duplicated": self.duplicated,
            "stale": self.stale,
            "lost_edits": self.lost_edits,
            "conflicting": self.conflicting,
            "not_deduplicated": self.not_deduplicated,
        }


def read_topic(consumer: KafkaConsumer, topic: str) -> list[Any]:
    """Every record of ``topic`` up to its end offsets at the time of the call."""
    partitions = consumer.partitions_for_topic(topic) or set()
    return read_partitions(consumer, [TopicPartition(topic, p) for p in sorted(partitions)])


def read_partitions(consumer: KafkaConsumer, assigned: list[TopicPartition]) -> list[Any]:
    """Every record of these partitions up to their end offsets at the time of the call."""
    if not assigned:
        return []
    consumer.assign(assigned)
    consumer.seek_to_beginning(*assigned)
    end = consumer.end_offsets(assigned)
    records: list[Any] = []
    while any(consumer.position(tp) < end[tp] for tp in assigned):
        for batch in consumer.poll(timeout_ms=1000).values():
            records.extend(r for r in batch if r.offset < end[TopicPartition(r.topic, r.partition)])
    return records


@dataclass(frozen=True, slots=True)
class Published:
    """The newest version published for one id, and what it said."""

    version: int
    content_hash: str | None


@dataclass(frozen=True, slots=True)
class Indexed:
    index: str
    version: int
    content_hash: str | None


def published(value: bytes | None) -> Published:
    """The version and content hash of an article record (version 1, no hash: unreadable)."""
    try:
        document = orjson.loads(value or b"")
        return Published(int(document.get("version", 1)), document.get("content_hash"))
    except (ValueError, AttributeError, TypeError):
        return Published(1, None)


@dataclass
class RawView:
    """What the raw topic says per id."""

    newest: dict[str, Published] = field(default_factory=dict)
    hashes: dict[str, set[str | None]] = field(default_factory=lambda: defaultdict(set))
    conflicting: set[str] = field(default_factory=set)


def newest_published(records: list[Any]) -> RawView:
    """id -> the newest version published for it (a later record wins a tie: records of one
    id are on one partition, in order), every content hash published for it, and the ids
    published twice under one version with different texts."""
    view = RawView()
    by_version: dict[tuple[str, int], str | None] = {}
    for record in records:
        key = (record.key or b"").decode()
        found = published(record.value)
        view.hashes[key].add(found.content_hash)
        seen = by_version.setdefault((key, found.version), found.content_hash)
        if seen != found.content_hash:
            view.conflicting.add(key)
        current = view.newest.get(key)
        if current is None or found.version >= current.version:
            view.newest[key] = found
    return view


def indexed_versions(es: Elasticsearch, names: Names) -> dict[str, list[Indexed]]:
    """id -> every copy of it behind the read alias (index, version, content hash)."""
    found: dict[str, list[Indexed]] = defaultdict(list)
    if not es.indices.exists_alias(name=names.read_alias):
        return found
    pit = es.open_point_in_time(index=names.read_alias, keep_alive="1m")["id"]
    try:
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": 5000,
                "pit": {"id": pit, "keep_alive": "1m"},
                "sort": [{"_shard_doc": "asc"}],
                "_source": ["content_hash"],
                "version": True,
            }
            if after is not None:
                body["search_after"] = after
            hits = es.search(**body)["hits"]["hits"]
            if not hits:
                return found
            for hit in hits:
                found[hit["_id"]].append(
                    Indexed(
                        hit["_index"],
                        int(hit.get("_version", 1)),
                        (hit.get("_source") or {}).get("content_hash"),
                    )
                )
            after = hits[-1]["sort"]
    finally:
        es.close_point_in_time(id=pit)


def audit(consumer: KafkaConsumer, es: Elasticsearch, names: Names) -> AuditReport:
    report = AuditReport()
    # Incoming first: whatever reaches the raw topic while the audit reads is then seen there.
    incoming = read_topic(consumer, names.incoming_topic)
    report.incoming_records = len(incoming)
    report.incoming_ids = len({r.key for r in incoming})
    raw = read_topic(consumer, names.raw_topic)
    report.raw_records = len(raw)
    view = newest_published(raw)
    report.raw_ids = len(view.newest)
    report.enriched_ids = len({r.key for r in read_topic(consumer, names.enriched_topic) if r.key})
    dead = _read_dead_letters(consumer, names, report)
    report.not_deduplicated = not_deduplicated(incoming, view, dead)
    indexed = indexed_versions(es, names)
    report.indexed_ids = len(indexed)
    for article_id, newest in sorted(view.newest.items()):
        _check(report, article_id, newest, indexed.get(article_id, []), article_id in dead.ids)
    report.conflicting = sorted(view.conflicting - dead.ids)
    return report


@dataclass
class DeadLettered:
    """The article ids dead letters name, and the positions (partition, offset) of the
    incoming records the dedup stage dead-lettered (those may have no readable id)."""

    ids: set[str] = field(default_factory=set)
    incoming: set[tuple[int, int]] = field(default_factory=set)


def not_deduplicated(incoming: list[Any], raw: RawView, dead: DeadLettered) -> list[str]:
    """Ids with an incoming record that is on the raw topic under no version (by content
    hash) and was not dead-lettered: the dedup stage has not decided it yet."""
    stuck: set[str] = set()
    for record in incoming:
        key = (record.key or b"").decode()
        if key in dead.ids or (record.partition, record.offset) in dead.incoming:
            continue
        content_hash = published(record.value).content_hash
        if content_hash is None or content_hash not in raw.hashes.get(key, set()):
            stuck.add(key)
    return sorted(stuck)


def _read_dead_letters(consumer: KafkaConsumer, names: Names, report: AuditReport) -> DeadLettered:
    dead = DeadLettered()
    for record in read_topic(consumer, names.dead_letter_topic):
        try:
            letter = json.loads(record.value)
        except ValueError:
            continue
        stage = str(letter.get("stage"))
        report.dead_letters[stage] += 1
        report.dead_letter_reasons[f"{stage}:{letter.get('reason')}"] += 1
        if letter.get("topic") == names.incoming_topic:
            dead.incoming.add((int(letter.get("partition") or 0), int(letter.get("offset") or 0)))
        if letter.get("article_id"):
            dead.ids.add(str(letter["article_id"]))
        elif stage == "ingest":
            report.inputs_rejected_at_ingest += 1
    return dead


def _check(
    report: AuditReport,
    article_id: str,
    newest: Published,
    copies: list[Indexed],
    dead_lettered: bool,
) -> None:
    if len(copies) > 1:
        report.duplicated.append(article_id)
    if not copies:
        if not dead_lettered:
            report.missing.append(article_id)
        return
    if dead_lettered:
        return  # a later version was refused with a reason: the older one stays searchable
    best = max(copies, key=lambda c: c.version)
    if best.version < newest.version:
        report.stale.append(article_id)
    elif newest.content_hash is not None and best.content_hash != newest.content_hash:
        report.lost_edits.append(article_id)
