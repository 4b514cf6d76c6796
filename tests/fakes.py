"""In-memory stand-ins for kafka-python's producer and consumer, for unit tests of pure logic.

Only what newswire's code calls is implemented, with the same signatures and semantics (futures
that resolve or fail, offsets committed per partition, pause/resume/seek). Integration and
end-to-end tests use the real broker instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka import OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaTimeoutError


@dataclass(frozen=True, slots=True)
class Record:
    """What a consumer returns (the fields of kafka-python's ``ConsumerRecord`` we read)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: int = 0


class FakeFuture:
    def __init__(self, error: Exception | None = None, value: Any = None) -> None:
        self.error = error
        self.value = value

    def get(self, timeout: float | None = None) -> Any:
        if self.error is not None:
            raise self.error
        return self.value

    def succeeded(self) -> bool:
        return self.error is None

    def failed(self) -> bool:
        return self.error is not None


class FakeProducer:
    """Keeps what was sent; ``refuse`` makes every later send fail at acknowledgement."""

    def __init__(self) -> None:
        self.sent: list[Record] = []
        self.refuse: Exception | None = None
        self.refuse_on_send: Exception | None = None
        self.flushes = 0
        self.closed = False
        self._offsets: defaultdict[str, int] = defaultdict(int)

    def send(
        self,
        topic: str,
        key: bytes | None = None,
        value: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
    ) -> FakeFuture:
        if self.closed:
            raise KafkaTimeoutError("producer closed")
        if self.refuse_on_send is not None:
            raise self.refuse_on_send
        if self.refuse is not None:
            return FakeFuture(self.refuse)
        offset = self._offsets[topic]
        self._offsets[topic] += 1
        self.sent.append(Record(topic, partition or 0, offset, key, value, list(headers or [])))
        return FakeFuture(value=offset)

    def flush(self, timeout: float | None = None) -> None:
        self.flushes += 1

    def close(self, timeout: float | None = None) -> None:
        self.closed = True

    def on(self, topic: str) -> list[Record]:
        return [r for r in self.sent if r.topic == topic]


class FakeConsumer:
    """Serves ``records`` (per partition, in offset order) to one subscriber; records commits."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._records: defaultdict[TopicPartition, list[Record]] = defaultdict(list)
        for record in records:
            self._records[TopicPartition(record.topic, record.partition)].append(record)
        self._position: dict[TopicPartition, int] = {}
        self.committed: dict[TopicPartition, int] = {}
        self.commits: list[dict[TopicPartition, int]] = []
        self.paused_partitions: set[TopicPartition] = set()
        self.pause_calls = 0
        self.subscribed: list[str] = []
        self.closed = False
        self.commit_error: Exception | None = None

    def add(self, record: Record) -> None:
        self._records[TopicPartition(record.topic, record.partition)].append(record)
        if self.subscribed:
            self._position.setdefault(TopicPartition(record.topic, record.partition), 0)

    def subscribe(self, topics: list[str]) -> None:
        self.subscribed = list(topics)
        for tp in self._records:
            if tp.topic in topics:
                self._position.setdefault(tp, 0)

    def assignment(self) -> set[TopicPartition]:
        return set(self._position)

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, list[Record]]:
        out: dict[Any, list[Record]] = {}
        budget = max_records or 500
        for tp in sorted(self._position, key=lambda t: (t.topic, t.partition)):
            if tp in self.paused_partitions or budget <= 0:
                continue
            position = self._position[tp]
            taken = [r for r in self._records[tp] if r.offset >= position][:budget]
            if taken:
                out[tp] = taken
                self._position[tp] = taken[-1].offset + 1
                budget -= len(taken)
        return out

    def pause(self, *partitions: TopicPartition) -> None:
        self.pause_calls += 1
        self.paused_partitions.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused_partitions.difference_update(partitions)

    def paused(self) -> set[TopicPartition]:
        return set(self.paused_partitions)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._position[tp] = offset

    def position(self, tp: TopicPartition) -> int:
        return self._position[tp]

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {
            tp: (self._records[tp][-1].offset + 1 if self._records[tp] else 0) for tp in partitions
        }

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata] | None = None) -> None:
        if self.commit_error is not None:
            raise self.commit_error
        if offsets is None:
            offsets = {tp: OffsetAndMetadata(p, "", -1) for tp, p in self._position.items()}
        done = {tp: meta.offset for tp, meta in offsets.items()}
        self.committed.update(done)
        self.commits.append(done)

    def close(self, autocommit: bool = True) -> None:
        self.closed = True
