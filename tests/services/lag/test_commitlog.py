"""Reading offset commits from ``__consumer_offsets``: the record layout, the partition rule (the
values below were printed by a JVM's String.hashCode), and tailing the real broker."""

from __future__ import annotations

import struct
import time

import pytest
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from services.lag.commitlog import CommitLog, java_string_hash, parse, partition_for
from shared.kafka import make_consumer
from shared.names import Names
from shared.settings import KafkaSettings
from tests.services.lag.conftest import MakeTopic

# A commit of offset 3 (group "proto-dab5e0.g", partition 0) as Kafka 4.1 wrote it: value v4.
KEY = bytes.fromhex("0001000e70726f746f2d6461623565302e67000e70726f746f2d6461623565302e7400000000")
VALUE_V4 = bytes.fromhex("00040000000000000003ffffffff01000001a211f3750200")


@pytest.mark.parametrize(
    ("group", "hashed", "partition"),
    [
        ("newswire.enrich", -1422409253, 3),
        ("newswire.indexer", -1902994711, 11),
        ("polygenelubricants", -2147483648, 0),  # Integer.MIN_VALUE: Kafka's abs gives 0
        ("grüppe-😀", -1039948164, 14),  # outside the BMP: UTF-16 surrogates count
    ],
)
def test_partition_of_a_group_is_kafkas(group: str, hashed: int, partition: int) -> None:
    assert java_string_hash(group) == hashed
    assert partition_for(group, 50) == partition


def test_parse_a_commit_written_by_kafka_4() -> None:
    record = parse(KEY, VALUE_V4, 0)
    assert record is not None
    assert (record.group, record.topic, record.partition) == ("proto-dab5e0.g", "proto-dab5e0.t", 0)
    assert record.offset == 3
    assert record.at == pytest.approx(0x1A211F37502 / 1000)


def _legacy_value(version: int, offset: int, metadata: str, commit_ms: int) -> bytes:
    meta = metadata.encode()
    head = struct.pack(">hq", version, offset)
    if version >= 3:
        head += struct.pack(">i", 7)
    body = head + struct.pack(">h", len(meta)) + meta + struct.pack(">q", commit_ms)
    if version == 1:
        body += struct.pack(">q", commit_ms + 86_400_000)  # expire timestamp
    return body


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_parse_older_value_versions(version: int) -> None:
    record = parse(KEY, _legacy_value(version, 42, "meta", 1_700_000_000_123), 0)
    assert record is not None
    assert (record.offset, record.at) == (42, 1_700_000_000.123)


def test_parse_v4_with_metadata() -> None:
    meta = b"x" * 200  # a length needing two varint bytes (201 = 0xC9 0x01)
    value = struct.pack(">hqi", 4, 9, -1) + bytes([0xC9, 0x01]) + meta
    value += struct.pack(">q", 1_000) + b"\x00"
    record = parse(KEY, value, 0)
    assert record is not None
    assert (record.offset, record.at) == (9, 1.0)


def test_a_tombstone_deletes_the_offset() -> None:
    record = parse(KEY, None, 5_000)
    assert record is not None
    assert (record.offset, record.at) == (None, 5.0)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (None, VALUE_V4),
        (b"\x00", VALUE_V4),
        (b"\x00\x02" + KEY[2:], VALUE_V4),  # group metadata, not an offset commit
        (KEY, VALUE_V4[:12]),  # truncated
        (KEY[:10], VALUE_V4),
    ],
)
def test_other_or_broken_records_are_skipped(key: bytes | None, value: bytes) -> None:
    assert parse(key, value, 0) is None


@pytest.mark.integration
def test_commits_are_read_with_their_history(
    kafka_settings: KafkaSettings, names: Names, make_topic: MakeTopic
) -> None:
    topic = make_topic(names.raw_topic, 2)
    group, other = names.enrich_group, names.indexer_group
    committer = make_consumer(kafka_settings, group)
    stranger = make_consumer(kafka_settings, other)
    reader = make_consumer(kafka_settings, None, exclude_internal_topics=False)
    try:
        tp = TopicPartition(topic, 1)
        committer.commit({tp: OffsetAndMetadata(3, "", -1)})
        stranger.commit({tp: OffsetAndMetadata(1, "", -1)})
        before = time.time()
        log = CommitLog(reader, history_s=60.0, timeout_s=5.0)
        history = log.read([group], time.time())
        assert [(r.topic, r.partition, r.offset) for r in history] == [(topic, 1, 3)]
        assert before - 5 <= history[0].at <= time.time()
        assert log.covered_since(group) == pytest.approx(before - 60.0, abs=1.0)

        committer.commit({tp: OffsetAndMetadata(5, "", -1)})
        committer.commit({tp: OffsetAndMetadata(5, "", -1)})  # the same offset again: seen
        assert [r.offset for r in log.read([group], time.time())] == [5, 5]
        assert log.read([group], time.time()) == []
    finally:
        for client in (committer, stranger, reader):
            client.close()
