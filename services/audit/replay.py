"""Replay: move a stopped consumer group's offsets back so it re-processes a topic.

Safe because every sink is idempotent (the index keeps the newest version of each article, so
re-indexing is a no-op; re-enrichment produces the same articles again). The group must have no
active member: Kafka refuses offset changes for a live group, and we check first to say so.
"""

from __future__ import annotations

from datetime import datetime

from kafka import KafkaAdminClient, KafkaConsumer, OffsetAndMetadata, TopicPartition

from services.audit.errors import GroupActiveError, TopicMissingError


def reset_offsets(
    admin: KafkaAdminClient,
    consumer: KafkaConsumer,
    group: str,
    topic: str,
    since: datetime | None = None,
) -> dict[TopicPartition, int]:
    """Point ``group`` at the beginning of ``topic`` (or the first record at/after ``since``)."""
    described = admin.describe_groups([group]).get(group, {})
    if described.get("members"):
        raise GroupActiveError(
            f"group {group} has {len(described['members'])} active member(s): stop them first"
        )
    partitions = [
        TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
    ]
    if not partitions:
        raise TopicMissingError(f"topic {topic} does not exist")
    targets: dict[TopicPartition, int] = dict(consumer.beginning_offsets(partitions))
    if since is not None:
        found = consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
        end = consumer.end_offsets(partitions)
        targets = {tp: (found[tp].offset if found.get(tp) else end[tp]) for tp in partitions}
    admin.alter_group_offsets(
        group, {tp: OffsetAndMetadata(offset, "replay", -1) for tp, offset in targets.items()}
    )
    return targets
