"""Timestamps of the records consumers have not read yet: one small fetch per partition.

A record's timestamp never changes, so a (partition, offset) already looked up is answered from
memory; a refresh only fetches partitions whose committed offset moved. The fetch uses a consumer
without a group (``assign`` + ``seek`` + ``poll``), kept open across refreshes. Several groups at
different offsets of one partition are fetched in successive rounds (one position per round).

The consumer returns one record per poll (``max_poll_records=1``) and a partition is unassigned
as soon as its record came: kafka-python then drops the rest of that partition's batch unparsed,
where parsing whole batches in Python would cost a record's worth of time for every message the
producer batched behind it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from services.lag.errors import KafkaUnavailableError

log = logging.getLogger(__name__)

Position = tuple[TopicPartition, int]
# A record that did not come back (a slow broker, or nothing but transaction markers after the
# offset) is asked for again after this long rather than at every refresh.
RETRY_MISSING_S = 60.0


@dataclass(frozen=True, slots=True)
class RecordAt:
    """The first record at or after the offset asked for (compaction and markers leave gaps)."""

    offset: int
    timestamp_ms: int


class RecordTimestamps:
    def __init__(self, consumer: KafkaConsumer, timeout_s: float) -> None:
        self._consumer = consumer
        self._timeout_s = timeout_s
        self._known: dict[Position, RecordAt | None] = {}
        self._missing_since: dict[Position, float] = {}

    def lookup(self, wanted: Collection[Position]) -> dict[Position, RecordAt | None]:
        """The record at or after each wanted position; None where none came back in time."""
        now = time.monotonic()
        for position, since in list(self._missing_since.items()):
            if now - since > RETRY_MISSING_S:
                del self._missing_since[position]
                self._known.pop(position, None)
        missing = [p for p in dict.fromkeys(wanted) if p not in self._known]
        deadline = now + self._timeout_s
        while missing:
            batch: dict[TopicPartition, int] = {}
            for tp, offset in missing:
                batch.setdefault(tp, offset)  # one offset per partition and round
            try:
                found = self._fetch(batch, deadline)
            except KafkaError as exc:
                raise KafkaUnavailableError(f"reading record timestamps failed: {exc}") from exc
            for tp, offset in batch.items():
                self._known[(tp, offset)] = found.get(tp)
                if tp not in found:
                    self._missing_since[(tp, offset)] = now
            missing = [p for p in missing if p not in self._known]
        # Only what this refresh asked for is kept: a committed offset that moved on is not asked
        # for again.
        self._known = {p: self._known[p] for p in wanted}
        self._missing_since = {p: t for p, t in self._missing_since.items() if p in self._known}
        return dict(self._known)

    def _fetch(
        self, wanted: dict[TopicPartition, int], deadline: float
    ) -> dict[TopicPartition, RecordAt]:
        consumer = self._consumer
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        found: dict[TopicPartition, RecordAt] = {}
        while len(found) < len(wanted) and time.monotonic() < deadline:
            wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
            for tp, records in consumer.poll(timeout_ms=wait_ms).items():
                if tp in found or tp not in wanted:
                    continue
                first = next((r for r in records if r.offset >= wanted[tp]), None)
                if first is not None:
                    found[tp] = RecordAt(first.offset, first.timestamp)
                    remaining = [p for p in wanted if p not in found]
                    if remaining:
                        consumer.assign(remaining)
        if len(found) < len(wanted):
            log.info(
                "no record came back partitions=%d timeout_s=%s",
                len(wanted) - len(found),
                self._timeout_s,
            )
        return found
