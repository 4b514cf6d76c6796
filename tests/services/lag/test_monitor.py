"""The monitor against the real broker: the same figures as Kafka's own consumer-groups command,
lag in seconds to within a second, and each status produced by a scripted consumer."""

from __future__ import annotations

import math
import subprocess
import time

import pytest
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from services.infra.java import find_jdk
from services.infra.settings import InfraSettings
from services.lag.models import LagReport, PartitionLag
from services.lag.monitor import Monitor
from services.lag.rules import Status
from shared.kafka import make_admin, make_consumer
from shared.names import Names
from shared.settings import KafkaSettings
from tests.services.lag.conftest import Commit, MakeSettings, MakeTopic, Produce

pytestmark = pytest.mark.integration
CONSUMER_GROUP_COMMAND = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"


def by_partition(report: LagReport, group: str) -> dict[int, PartitionLag]:
    (found,) = [g for g in report.groups if g.group == group]
    return {p.partition: p for p in found.partitions}


def describe_with_kafka_tool(infra: InfraSettings, group: str) -> dict[int, tuple[str, ...]]:
    """``kafka-consumer-groups --describe``: partition -> (current offset, log end, lag)."""
    java = find_jdk(17, infra.kafka_java_home) / "bin" / "java"
    classpath = f"{infra.cache_dir}/kafka-{infra.kafka_version}/libs/*"
    done = subprocess.run(
        [
            str(java),
            "-cp",
            classpath,
            CONSUMER_GROUP_COMMAND,
            "--bootstrap-server",
            infra.kafka_bootstrap,
            "--describe",
            "--group",
            group,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines() if line.strip()]
    header = lines[0]
    assert header[:6] == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"]
    return {int(row[2]): (row[3], row[4], row[5]) for row in lines[1:]}


def test_lag_figures_equal_kafka_consumer_groups_command(
    infra: InfraSettings,
    kafka_settings: KafkaSettings,
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    lag_settings: MakeSettings,
) -> None:
    topic = make_topic(names.raw_topic, 4)
    for partition, count in enumerate((10, 20, 15, 7)):
        produce(topic, partition, count)
    group = names.enrich_group
    # A live member owns every partition (so the tool lists the never-committed one too).
    member = make_consumer(kafka_settings, group)
    member.subscribe([topic])
    deadline = time.monotonic() + 20
    while len(member.assignment()) < 4 and time.monotonic() < deadline:
        member.poll(timeout_ms=100)
    assert len(member.assignment()) == 4
    member.commit(
        {
            TopicPartition(topic, 0): _at(10),  # caught up
            TopicPartition(topic, 1): _at(5),  # lagging 15
            TopicPartition(topic, 2): _at(14),  # lagging 1
        }  # partition 3: never committed
    )
    try:
        with Monitor(lag_settings()) as monitor:
            ours = by_partition(monitor.refresh(), group)
        theirs = describe_with_kafka_tool(infra, group)
    finally:
        member.close()

    assert set(ours) == set(theirs) == {0, 1, 2, 3}
    for partition, (current, log_end, lag) in theirs.items():
        mine = ours[partition]
        assert _dash(mine.committed_offset) == current, partition
        assert _dash(mine.log_end_offset) == log_end, partition
        assert _dash(mine.lag) == lag, partition
        assert mine.consumer_id is not None
    assert ours[3].lag_seconds is None
    assert ours[3].lag_seconds_source == "none"
    assert ours[0].lag_seconds == 0.0


def _at(offset: int) -> OffsetAndMetadata:
    return OffsetAndMetadata(offset, "", -1)


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def test_lag_seconds_are_the_age_of_the_oldest_unconsumed_message(
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
    lag_settings: MakeSettings,
) -> None:
    topic = make_topic(names.raw_topic, 3)
    now_ms = int(time.time() * 1000)
    produce(topic, 0, 5, timestamp_ms=now_ms - 300_000)  # offsets 0-4, five minutes old
    produce(topic, 0, 5, timestamp_ms=now_ms - 90_000)  # offsets 5-9
    produce(topic, 1, 3, timestamp_ms=now_ms - 42_000)
    produce(topic, 2, 3)
    group, behind = names.indexer_group, names.enrich_group
    commit(group, topic, {0: 5, 1: 3})
    commit(behind, topic, {0: 2})  # same partition, another offset: read in a second round

    with Monitor(lag_settings(groups=[group, behind])) as monitor:
        report = monitor.refresh()
    partitions = by_partition(report, group)
    truth = report.at.timestamp() - (now_ms - 90_000) / 1000
    assert partitions[0].lag == 5
    assert partitions[0].lag_seconds_source == "exact"
    assert partitions[0].lag_seconds == pytest.approx(truth, abs=1.0)
    further = by_partition(report, behind)[0]
    assert further.lag == 8
    assert further.lag_seconds_source == "exact"
    assert further.lag_seconds == pytest.approx(truth + 210, abs=1.0)
    assert (partitions[1].lag, partitions[1].lag_seconds) == (0, 0.0)
    assert 2 not in partitions  # no commit and no member: not the group's, as for Kafka's tool
    summary = report.groups[0]
    assert summary.total_lag == 5
    assert summary.max_lag is not None
    assert summary.max_lag.partition == 0
    assert summary.max_lag_seconds == partitions[0].lag_seconds


def test_lag_seconds_are_interpolated_once_the_record_is_deleted(
    kafka_settings: KafkaSettings,
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
    lag_settings: MakeSettings,
) -> None:
    topic = make_topic(names.raw_topic, 1)
    group = names.indexer_group
    commit(group, topic, {0: 0})
    with Monitor(lag_settings(groups=[group])) as monitor:
        monitor.refresh()  # log end 0
        produce(topic, 0, 10)
        monitor.refresh()  # log end 10
        time.sleep(0.4)
        appended = time.time()
        produce(topic, 0, 10)  # offsets 10-19
        monitor.refresh()  # log end 20
        commit(group, topic, {0: 12})
        admin = make_admin(kafka_settings)
        try:
            admin.delete_records({TopicPartition(topic, 0): 15})  # 12 is gone
        finally:
            admin.close()
        time.sleep(0.3)
        report = monitor.refresh()
    partition = by_partition(report, group)[0]
    assert (partition.committed_offset, partition.lag) == (12, 8)
    assert partition.lag_seconds_source == "interpolated"
    assert partition.lag_seconds is not None
    assert partition.lag_seconds == pytest.approx(report.at.timestamp() - appended, abs=1.0)


def test_each_status_is_detected(
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
    lag_settings: MakeSettings,
) -> None:
    topic = make_topic(names.raw_topic, 1)
    old_ms = int(time.time() * 1000) - 60_000  # messages waiting for a minute: older than W
    produce(topic, 0, 100, timestamp_ms=old_ms)
    ns = names.namespace
    group = {s: f"{ns}.{s.value.lower()}" for s in Status}
    window_s = 3.0
    settings = lag_settings(groups=list(group.values()), window_s=window_s, min_samples=3)
    commit(group[Status.STOP], topic, {0: 10})
    stopped_at = time.monotonic()
    scripts = {
        Status.OK: [10, 40, 70],  # catching up: lag shrinks
        Status.WARN: [10, 12, 14],  # moving, but producers are faster
        Status.STALL: [10, 10, 10],  # committing without moving
        Status.REWIND: [50, 20, 20],  # moved backwards
    }
    with Monitor(settings) as monitor:
        monitor.refresh()
        for step in range(3):
            for status, offsets in scripts.items():
                commit(group[status], topic, {0: offsets[step]})
            produce(topic, 0, 20, timestamp_ms=old_ms)
            report = monitor.refresh()
        statuses = {s: by_partition(report, group[s])[0] for s in scripts}
        for status, partition in statuses.items():
            assert (partition.status, partition.status_complete) == (status, True), partition
        assert statuses[Status.OK].status_reason == "consuming"
        before_stop = by_partition(report, group[Status.STOP])[0]
        assert (before_stop.status, before_stop.status_complete) == (Status.OK, False)

        time.sleep(max(0.0, window_s + 0.2 - (time.monotonic() - stopped_at)))
        report = monitor.refresh()
    stopped = next(g for g in report.groups if g.group == group[Status.STOP])
    assert stopped.status is Status.STOP
    assert stopped.partitions[0].commits_in_window == 0
    assert "no commit" in stopped.status_reason


def test_groups_without_offsets_have_explicit_states(
    names: Names, make_topic: MakeTopic, lag_settings: MakeSettings
) -> None:
    with Monitor(lag_settings()) as monitor:  # dedup, enrich and indexer: none exists yet
        report = monitor.refresh()
    assert [g.group for g in report.groups] == [
        names.dedup_group,
        names.enrich_group,
        names.indexer_group,
    ]
    for group in report.groups:
        assert (group.state, group.status, group.total_lag) == ("Dead", Status.OK, 0)
        assert group.partitions == []
        assert group.max_lag is None
        assert group.max_lag_seconds is None
    assert not math.isnan(report.refresh_seconds)
    assert "NaN" not in report.model_dump_json()


def test_without_the_commit_log_statuses_come_from_polled_offsets(
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
    lag_settings: MakeSettings,
) -> None:
    topic = make_topic(names.raw_topic, 1)
    produce(topic, 0, 60, timestamp_ms=int(time.time() * 1000) - 60_000)
    group = names.enrich_group
    settings = lag_settings(groups=[group], read_commit_log=False, window_s=30.0, min_samples=2)
    with Monitor(settings) as monitor:
        for offset in (10, 10, 10):  # the same offset again is invisible to polling: not STALL
            commit(group, topic, {0: offset})
            partition = by_partition(monitor.refresh(), group)[0]
        assert (partition.commits_in_window, partition.status) == (0, Status.OK)
        for offset in (50, 20):
            commit(group, topic, {0: offset})
            partition = by_partition(monitor.refresh(), group)[0]
    assert partition.commits_in_window == 2
    assert partition.status is Status.REWIND
