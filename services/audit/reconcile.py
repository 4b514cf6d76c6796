"""Reconciling the pipeline's stages by article id.

Every article that entered (any id on the raw topic) must end either in the index, at its newest
version, or in the dead-letter topic with a reason (from enrich or the indexer). The audit reads
the three topics to their current end and lists the index's ids, then reports what does not
balance: ids neither indexed nor dead-lettered ("missing"), ids in more than one index
("duplicated"), and ids indexed at an older version than the newest raw one ("stale").
Inputs that never became an article (ingest dead letters without an id) are counted apart.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

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

    @property
    def balanced(self) -> bool:
        return not (self.missing or self.duplicated or self.stale)

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


def _version(value: bytes) -> int:
    try:
        return int(json.loads(value).get("version", 1))
    except (ValueError, AttributeError):
        return 1


def indexed_versions(es: Elasticsearch, names: Names) -> dict[str, list[tuple[str, int]]]:
    """id -> [(index, version)] for every document behind the read alias."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
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
                "_source": False,
                "version": True,
            }
            if after is not None:
                body["search_after"] = after
            hits = es.search(**body)["hits"]["hits"]
            if not hits:
                return found
            for hit in hits:
                found[hit["_id"]].append((hit["_index"], int(hit.get("_version", 1))))
            after = hits[-1]["sort"]
    finally:
        es.close_point_in_time(id=pit)


def audit(consumer: KafkaConsumer, es: Elasticsearch, names: Names) -> AuditReport:
    report = AuditReport()
    newest: dict[str, int] = {}
    raw = read_topic(consumer, names.raw_topic)
    report.raw_records = len(raw)
    for record in raw:
        key = (record.key or b"").decode()
        newest[key] = max(newest.get(key, 0), _version(record.value))
    report.raw_ids = len(newest)
    report.enriched_ids = len({r.key for r in read_topic(consumer, names.enriched_topic) if r.key})
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
    indexed = indexed_versions(es, names)
    report.indexed_ids = len(indexed)
    for article_id, version in sorted(newest.items()):
        copies = indexed.get(article_id, [])
        if len(copies) > 1:
            report.duplicated.append(article_id)
        if copies:
            if max(v for _i, v in copies) < version and article_id not in dead_ids:
                report.stale.append(article_id)
        elif article_id not in dead_ids:
            report.missing.append(article_id)
    return report
