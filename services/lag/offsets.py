"""One read of the cluster: committed offsets, members and log-end offsets of some groups.

The same figures as ``kafka-consumer-groups --describe``: a group's partitions are those it has
a committed offset for plus those assigned to its members; the log-end offset is the high
watermark (ListOffsets "latest", read-uncommitted), as that tool shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from services.lag.errors import KafkaUnavailableError

log = logging.getLogger(__name__)

# ListGroups reports these types for groups that consume with committed offsets; "share" and
# "streams" groups keep their progress elsewhere.
CONSUMER_GROUP_TYPES = frozenset({"classic", "consumer", ""})


@dataclass(frozen=True, slots=True)
class Member:
    member_id: str
    client_host: str


@dataclass(frozen=True, slots=True)
class GroupOffsets:
    group: str
    state: str
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    owners: dict[TopicPartition, Member] = field(default_factory=dict)

    @property
    def partitions(self) -> list[TopicPartition]:
        return sorted(set(self.committed) | set(self.owners))


@dataclass(frozen=True, slots=True)
class Snapshot:
    groups: list[GroupOffsets]
    log_end: dict[TopicPartition, int]
    """Only partitions that exist on the cluster."""


def list_consumer_groups(admin: KafkaAdminClient) -> list[str]:
    try:
        listed = admin.list_groups()
    except KafkaError as exc:
        raise KafkaUnavailableError(f"listing consumer groups failed: {exc}") from exc
    return sorted(
        g["group_id"] for g in listed if str(g.get("group_type") or "") in CONSUMER_GROUP_TYPES
    )


def _owners(description: dict[str, Any]) -> dict[TopicPartition, Member]:
    owners: dict[TopicPartition, Member] = {}
    if description.get("protocol_type") != "consumer":
        return owners  # Connect workers and others assign something else than partitions
    for member in description.get("members") or []:
        assignment = member.get("member_assignment")
        if not isinstance(assignment, dict):
            continue  # undecodable assignment: the member stays anonymous
        who = Member(str(member.get("member_id", "")), str(member.get("client_host", "")))
        for topic in assignment.get("assigned_partitions") or []:
            for partition in topic.get("partitions") or []:
                owners[TopicPartition(topic["topic"], partition)] = who
    return owners


def _existing(admin: KafkaAdminClient, topics: Iterable[str]) -> set[TopicPartition]:
    names = sorted(set(topics))
    if not names:
        return set()
    return {
        TopicPartition(topic["name"], p["partition_index"])
        for topic in admin.describe_topics(names)
        if topic.get("error_code", 0) == 0
        for p in topic.get("partitions") or []
    }


def read(admin: KafkaAdminClient, consumer: KafkaConsumer, groups: Collection[str]) -> Snapshot:
    """Committed offsets and members of ``groups``, and the log ends of their partitions."""
    if not groups:
        return Snapshot([], {})
    try:
        committed = admin.list_group_offsets({g: None for g in groups})
        described = admin.describe_groups(list(groups))
        result = []
        for group in groups:
            description = described.get(group) or {}
            offsets = {
                tp: meta.offset
                for tp, meta in (committed.get(group) or {}).items()
                if meta.offset >= 0
            }
            state = str(description.get("group_state") or "Unknown")
            result.append(GroupOffsets(group, state, offsets, _owners(description)))
        wanted = {tp for g in result for tp in g.partitions}
        existing = wanted & _existing(admin, (tp.topic for tp in wanted))
        log_end = dict(consumer.end_offsets(sorted(existing))) if existing else {}
    except KafkaError as exc:
        raise KafkaUnavailableError(f"reading offsets failed: {exc}") from exc
    return Snapshot(result, log_end)


def log_starts(
    consumer: KafkaConsumer, partitions: Collection[TopicPartition]
) -> dict[TopicPartition, int]:
    if not partitions:
        return {}
    try:
        return dict(consumer.beginning_offsets(sorted(partitions)))
    except KafkaError as exc:
        raise KafkaUnavailableError(f"reading log-start offsets failed: {exc}") from exc
