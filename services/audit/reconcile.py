"""Reconciling the pipeline's stages by article id.

Every article that entered (any id on the raw topic) must end either in the index, at its newest
version, or in the dead-letter topic with a reason (from enrich or the indexer). The audit reads
the three topics to their current end and lists the index's ids, then reports what does not
balance: ids neither indexed nor dead-lettered ("missing"), ids in more than one index
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

    @property
    def balanced(self) -> bool:
        return not (
            self.missing or self.duplicated or self.stale or self.lost_edits or self.conflicting
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "balanced": self.balanced,
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
        }


def read_topic(consumer: KafkaConsumer, topic: str) -> list[Any]:
    """Every record of ``topic`` up to its end offsets at the time of the call."""
    partitions = consumer.partitions_for_topic(topic) or set()
    assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
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


def _published(value: bytes | None) -> Published:
    try:
        document = orjson.loads(value or b"")
        return Published(int(document.get("version", 1)), document.get("content_hash"))
    except (ValueError, AttributeError, TypeError):
        return Published(1, None)


def newest_published(records: list[Any]) -> tuple[dict[str, Published], set[str]]:
    """id -> the newest version published for it (a later record wins a tie: records of one
    id are on one partition, in order), and the ids published twice under one version with
    different texts."""
    newest: dict[str, Published] = {}
    hashes: dict[tuple[str, int], str | None] = {}
    conflicting: set[str] = set()
    for record in records:
        key = (record.key or b"").decode()
        published = _published(record.value)
        seen = hashes.setdefault((key, published.version), published.content_hash)
        if seen != published.content_hash:
            conflicting.add(key)
        current = newest.get(key)
        if current is None or published.version >= current.version:
            newest[key] = published
    return newest, conflicting


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
    raw = read_topic(consumer, names.raw_topic)
    report.raw_records = len(raw)
    newest, conflicting = newest_published(raw)
    report.raw_ids = len(newest)
    report.enriched_ids = len({r.key for r in read_topic(consumer, names.enriched_topic) if r.key})
    dead_ids = _read_dead_letters(consumer, names, report)
    indexed = indexed_versions(es, names)
    report.indexed_ids = len(indexed)
    for article_id, published in sorted(newest.items()):
        _check(report, article_id, published, indexed.get(article_id, []), article_id in dead_ids)
    report.conflicting = sorted(conflicting - dead_ids)
    return report


def _read_dead_letters(consumer: KafkaConsumer, names: Names, report: AuditReport) -> set[str]:
    dead_ids: set[str] = set()
    for record in read_topic(consumer, names.dead_letter_topic):
        try:
            letter = json.loads(record.value)
        except ValueError:
            continue
        stage = str(letter.get("stage"))
        report.dead_letters[stage] += 1
        report.dead_letter_reasons[f"{stage}:{letter.get('reason')}"] += 1
        if letter.get("article_id"):
            dead_ids.add(str(letter["article_id"]))
        elif stage == "ingest":
            report.inputs_rejected_at_ingest += 1
    return dead_ids


def _check(
    report: AuditReport,
    article_id: str,
    published: Published,
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
    if best.version < published.version:
        report.stale.append(article_id)
    elif published.content_hash is not None and best.content_hash != published.content_hash:
        report.lost_edits.append(article_id)
