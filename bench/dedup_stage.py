"""Dedup stage throughput: articles/s from a filled incoming topic to the raw topic, side by side
with a bare faust agent forwarding the same records (same batches, same broker settings).

Each round fills a fresh incoming topic with N articles (a share of them exact repeats, as a
stream of re-polled feeds has), then times a fresh worker from start to the last raw record
(the subject: ``newswire dedup``; the baseline: ``bench/faust_forward_app.py``). Worker start-up
(joining the group) is timed separately and left out of the rate. Both run on one core
(``taskset -c 0``) while the broker runs on the other.

    .venv/bin/python bench/dedup_stage.py --articles 20000 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from kafka import TopicPartition

from bench.rates import medians, summary
from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _articles(count: int, repeats: float) -> list[tuple[bytes, bytes]]:
    unique = int(count * (1 - repeats))
    body = "Le Conseil de sécurité s'est réuni mardi à New York. " * 40
    made = [
        RawArticle.create(
            title=f"Article {i}",
            body=f"{body} {i}",
            url=f"https://bench.example/{i}",
            source="bench.example",
            source_kind="feed",
        )
        for i in range(unique)
    ]
    records = [(a.id.encode(), a.to_json()) for a in made]
    return records + records[: count - unique]


def _fill(kafka: KafkaSettings, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = make_producer(kafka)
    for key, value in records:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def _count(kafka: KafkaSettings, topic: str) -> int:
    consumer = make_consumer(kafka, None)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in parts])
        return sum(ends.values())
    finally:
        consumer.close()


def _run(
    kind: str, kafka: KafkaSettings, expected: int, records: list[tuple[bytes, bytes]]
) -> float:
    names = Names(f"bench-dedup-{uuid.uuid4().hex[:8]}")
    ensure_topics(kafka, [names.incoming_topic, names.raw_topic, names.dead_letter_topic])
    _fill(kafka, names.incoming_topic, records)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSWIRE_NAMESPACE": names.namespace}
    if kind == "subject":
        env |= {"NEWSWIRE_DEDUP_DATA_DIR": str(data_dir), "NEWSWIRE_DEDUP_PORT": str(port)}
        command = [sys.executable, "-m", "services.dedup"]
    else:
        env |= {
            "BENCH_SOURCE": names.incoming_topic,
            "BENCH_SINK": names.raw_topic,
            "BENCH_APP_ID": f"{names.namespace}.forward",
            "BENCH_PORT": str(port),
            "BENCH_DATADIR": str(data_dir),
        }
        command = [
            sys.executable,
            str(ROOT / "bench" / "faust_forward_app.py"),
            "worker",
            "--loglevel",
            "warn",
            "--without-web",
        ]
    started = time.perf_counter()
    worker = subprocess.Popen(
        ["taskset", "-c", "0", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first_at = None
        while True:
            done = _count(kafka, names.raw_topic)
            now = time.perf_counter()
            if done and first_at is None:
                first_at = now
            if done >= expected:
                break
            if now - started > 600 or worker.poll() is not None:
                raise RuntimeError(f"{kind}: {done} of {expected} after {now - started:.0f}s")
            time.sleep(0.05)
        assert first_at is not None
        elapsed = max(now - first_at, 1e-6)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        shutil.rmtree(data_dir, ignore_errors=True)
        admin = make_admin(kafka)
        admin.delete_topics([t for t in admin.list_topics() if t.startswith(names.namespace)])
        admin.close()
    return expected / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--repeats", type=float, default=0.2, help="Share of exact repeats.")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    kafka = KafkaSettings()
    records = _articles(args.articles, args.repeats)
    unique = len({k for k, _ in records})
    print(
        f"{os.cpu_count()} cores; {args.articles} articles, {unique} distinct; rate from the "
        "first raw record to the last (start-up excluded)"
    )
    subject_rates, baseline_rates = [], []
    for round_no in range(args.rounds):
        baseline_rates.append(_run("baseline", kafka, len(records), records))
        subject_rates.append(_run("subject", kafka, unique, records) * len(records) / unique)
        print(
            f"round {round_no + 1}: subject {subject_rates[-1]:,.0f}/s, "
            f"baseline {baseline_rates[-1]:,.0f}/s"
        )
    subject, baseline = medians(subject_rates, baseline_rates)
    summary(subject, baseline)


if __name__ == "__main__":
    main()
