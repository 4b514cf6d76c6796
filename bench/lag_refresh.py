"""Benchmark: one lag refresh over 100 partitions (offsets, lag in seconds, status).

    .venv/bin/python bench/lag_refresh.py [--partitions 100] [--rounds 15]

Needs the local Kafka (`newswire infra up`; NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS elsewhere). Creates
a topic of N partitions with 100 records each and a group committed part-way on every partition;
before every round each committed offset moves one record on (outside the timing), so each
refresh reads N new commits and fetches N record timestamps: nothing comes from the cache.

Baseline, measured alternately in the same run (A B A B ...): the bare kafka-python calls for
the same partitions, committed offsets (`KafkaAdminClient.list_group_offsets`, the 3.0 name of
`list_consumer_group_offsets`) plus log ends (`KafkaConsumer.end_offsets`).
Target: subject <= 100 ms. Last line: `subject X ms, baseline Y ms, ratio R`.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from importlib.metadata import version

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from services.infra.settings import InfraSettings
from services.lag.monitor import Monitor
from services.lag.settings import LagSettings
from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer
from shared.settings import KafkaSettings

RECORDS_PER_PARTITION = 100


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def spread(values: list[float]) -> str:
    q1, _, q3 = statistics.quantiles(values, n=4)
    median, low, high = statistics.median(values), min(values), max(values)
    return f"median {median:.1f} ms, IQR {q1:.1f}-{q3:.1f}, range {low:.1f}-{high:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    kafka = KafkaSettings()
    namespace = f"bench-lag-{uuid.uuid4().hex[:8]}"
    topic, group = f"{namespace}.articles.raw", f"{namespace}.enrich"
    partitions = [TopicPartition(topic, p) for p in range(args.partitions)]
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    print(
        f"versions: Kafka {InfraSettings().kafka_version} (local runner), "
        f"kafka-python {version('kafka-python')}, prometheus-client {version('prometheus-client')}"
    )
    print(f"data: {args.partitions} partitions x {RECORDS_PER_PARTITION} records, group {group}")

    ensure_topics(kafka, [topic], partitions=args.partitions)
    producer = make_producer(kafka)
    for tp in partitions:
        for i in range(RECORDS_PER_PARTITION):
            producer.send(topic, value=b"article %d" % i, partition=tp.partition)
    producer.flush()
    producer.close()

    committer = make_consumer(kafka, group)
    committed = {tp: 10 + tp.partition % 30 for tp in partitions}

    def move_on() -> None:
        for tp in committed:
            committed[tp] += 1
        committer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in committed.items()})

    admin = make_admin(kafka)
    consumer = make_consumer(kafka, None)
    monitor = Monitor(LagSettings(namespace=namespace, groups=[group], kafka=kafka))

    def baseline() -> None:
        admin.list_group_offsets({group: None})
        consumer.end_offsets(partitions)

    try:
        move_on()
        for _ in range(args.warmup):
            baseline()
            monitor.refresh()
            move_on()
        subject_ms: list[float] = []
        baseline_ms: list[float] = []
        for _ in range(args.rounds):
            move_on()
            baseline_ms.append(timed_ms(baseline))
            move_on()
            subject_ms.append(timed_ms(monitor.refresh))
        cached_ms = [timed_ms(monitor.refresh) for _ in range(args.rounds)]
        report = monitor.refresh()
        (summary,) = report.groups
        sources = {p.lag_seconds_source for p in summary.partitions}
        print(
            f"last report: {len(summary.partitions)} partitions, total lag {summary.total_lag}, "
            f"status {summary.status}, lag_seconds sources {sorted(sources)}"
        )
        print(f"subject  (refresh, offsets moved): {spread(subject_ms)}")
        print(f"baseline (bare offsets + ends)   : {spread(baseline_ms)}")
        print(f"subject, nothing moved (cached)  : {spread(cached_ms)}")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak_mb:.0f} MB")
    finally:
        monitor.close()
        consumer.close()
        committer.close()
        admin.delete_topics([topic], raise_errors=False)
        admin.delete_groups([group])
        admin.close()
    subject, base = statistics.median(subject_ms), statistics.median(baseline_ms)
    print(f"subject {subject:.1f} ms, baseline {base:.1f} ms, ratio {subject / base:.2f}")


if __name__ == "__main__":
    sys.exit(main())
