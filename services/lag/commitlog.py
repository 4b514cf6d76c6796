"""Offset commits as they happen, read from Kafka's internal ``__consumer_offsets`` topic.

Polling committed offsets cannot tell a consumer that commits the same offset again (STALL) from
one that stopped committing (STOP); the commit log can, which is why Burrow reads it too. Only
the partitions holding the monitored groups are read: a group's commits go to partition
``abs(java_hash(group)) % partitions`` (the rule of Kafka's group coordinator). On first contact a
partition is read from ``now - history_s`` (located by timestamp), so the window has its history
at once; compaction keeps at least the latest commit of every group/partition, so "no commit in
the window" stays true when it is reported.

Record layout (Kafka's ``OffsetCommitKey``/``OffsetCommitValue`` message specs, not a public
API): key = int16 version (0 or 1 for an offset commit; other versions are group metadata), group,
topic (int16-length strings), int32 partition. Value = int16 version, int64 offset, then int32
leader epoch from version 3, the metadata string (int16 length; from version 4 an unsigned varint
of length + 1), int64 commit timestamp in ms. A null value removes the committed offset.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Collection
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from services.lag.errors import CommitLogUnavailableError, KafkaUnavailableError

log = logging.getLogger(__name__)

OFFSETS_TOPIC = "__consumer_offsets"
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")
_DENIED = (
    TopicAuthorizationFailedError,
    GroupAuthorizationFailedError,
    ClusterAuthorizationFailedError,
)


@dataclass(frozen=True, slots=True)
class CommitRecord:
    group: str
    topic: str
    partition: int
    offset: int | None
    """None: the committed offset was deleted."""
    at: float
    """Commit time, unix seconds (the broker's clock)."""


def java_string_hash(text: str) -> int:
    """``String.hashCode()`` of the JVM (over UTF-16 code units), as a signed 32-bit int."""
    value = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        value = (31 * value + int.from_bytes(units[i : i + 2], "big")) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def partition_for(group: str, partitions: int) -> int:
    """The ``__consumer_offsets`` partition that holds ``group``'s commits."""
    hashed = java_string_hash(group)
    # Kafka's Utils.abs maps Integer.MIN_VALUE to 0 instead of overflowing.
    return (0 if hashed == -(1 << 31) else abs(hashed)) % partitions


def _string(data: bytes, pos: int) -> tuple[str, int]:
    (length,) = _INT16.unpack_from(data, pos)
    pos += 2
    if length < 0:
        return "", pos
    return data[pos : pos + length].decode("utf-8"), pos + length


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def parse(key: bytes | None, value: bytes | None, record_ms: int) -> CommitRecord | None:
    """The offset commit in a ``__consumer_offsets`` record; None for any other record type."""
    if key is None or len(key) < 2:
        return None
    (key_version,) = _INT16.unpack_from(key, 0)
    if key_version not in (0, 1):
        return None
    try:
        group, pos = _string(key, 2)
        topic, pos = _string(key, pos)
        (partition,) = _INT32.unpack_from(key, pos)
        if value is None:
            return CommitRecord(group, topic, partition, None, record_ms / 1000)
        (version,) = _INT16.unpack_from(value, 0)
        (offset,) = _INT64.unpack_from(value, 2)
        pos = 10 + (4 if version >= 3 else 0)
        if version >= 4:
            length, pos = _uvarint(value, pos)
            pos += max(length - 1, 0)
        else:
            _, pos = _string(value, pos)
        (commit_ms,) = _INT64.unpack_from(value, pos)
    except (struct.error, IndexError, UnicodeDecodeError):
        log.debug("unreadable offset commit record skipped")
        return None
    return CommitRecord(group, topic, partition, offset, commit_ms / 1000)


class CommitLog:
    """Tails the ``__consumer_offsets`` partitions of a set of groups."""

    def __init__(self, consumer: KafkaConsumer, history_s: float, timeout_s: float) -> None:
        self._consumer = consumer
        self._history_s = history_s
        self._timeout_s = timeout_s
        self._partitions: int | None = None
        self._assigned: set[TopicPartition] = set()
        self._covered: dict[str, float] = {}

    def covered_since(self, group: str) -> float | None:
        """Since when every commit of ``group`` is known; None before its first read."""
        return self._covered.get(group)

    def read(self, groups: Collection[str], now: float) -> list[CommitRecord]:
        """Every commit of ``groups`` since the last read (or since ``now - history_s``)."""
        try:
            self._assign(groups, now)
            records = self._drain()
        except _DENIED as exc:
            raise CommitLogUnavailableError(f"{OFFSETS_TOPIC} cannot be read: {exc}") from exc
        except KafkaError as exc:
            raise KafkaUnavailableError(f"reading {OFFSETS_TOPIC} failed: {exc}") from exc
        wanted = set(groups)
        return [r for r in records if r.group in wanted]

    def _assign(self, groups: Collection[str], now: float) -> None:
        if self._partitions is None:
            found = self._consumer.partitions_for_topic(OFFSETS_TOPIC)
            if not found:
                raise CommitLogUnavailableError(f"{OFFSETS_TOPIC} is not visible to this client")
            self._partitions = len(found)
        partition_of = {
            g: TopicPartition(OFFSETS_TOPIC, partition_for(g, self._partitions)) for g in groups
        }
        new = set(partition_of.values()) - self._assigned
        if new:
            self._consumer.assign(sorted(self._assigned | new))  # kept partitions keep positions
            since_ms = int((now - self._history_s) * 1000)
            starts = self._consumer.offsets_for_times({tp: since_ms for tp in new})
            ends = self._consumer.end_offsets(list(new))
            for tp in new:
                found = starts.get(tp)
                self._consumer.seek(tp, found.offset if found is not None else ends[tp])
            self._assigned |= new
        for group, tp in partition_of.items():
            # A group whose partition was already read had its commits filtered out: no history.
            self._covered.setdefault(group, now - self._history_s if tp in new else now)

    def _drain(self) -> list[CommitRecord]:
        assigned = list(self._assigned)
        ends = self._consumer.end_offsets(assigned)
        behind = {tp for tp in assigned if self._consumer.position(tp) < ends[tp]}
        records: list[CommitRecord] = []
        deadline = time.monotonic() + self._timeout_s
        while behind and time.monotonic() < deadline:
            wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
            for messages in self._consumer.poll(timeout_ms=wait_ms).values():
                for message in messages:
                    parsed = parse(message.key, message.value, message.timestamp)
                    if parsed is not None:
                        records.append(parsed)
            behind = {tp for tp in behind if self._consumer.position(tp) < ends[tp]}
        if behind:
            log.warning(
                "commit log not fully read partitions=%s", sorted(tp.partition for tp in behind)
            )
        return records
