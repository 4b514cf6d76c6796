"""Benchmark: NDJSON import (parse + validate + normalise + dedup + publish) versus a bare
kafka-python producer sending the same lines, side by side, on the local broker.

    .venv/bin/python bench/ingest_ndjson.py [--entries 20000] [--rounds 3]

Needs `newswire infra up`. Rounds alternate subject and baseline (A B A B ...) after a warm-up;
the median and spread of each are printed, then one summary line.

Two more runs put the ratio in context (printed, not in the summary line):
- keyed: the bare producer sending the same lines keyed by their article ids, as ingest must;
- floor: the least any ingest could do per line with the required libraries: parse it (orjson),
  validate a RawArticle (pydantic), serialise it, send it keyed. No normalising, no canonical
  URL, no content hash, no dedup. No implementation can beat the floor's ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
from kafka import KafkaProducer
from kafka import __version__ as kafka_python_version
from rates import medians, summary

from services.ingest.context import open_publisher
from services.ingest.files import import_paths
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.kafka import ensure_topics, make_producer
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings

WORDS = [
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "traité",
    "armes",
    "nucléaires",
    "négociations",
    "délégation",
    "ministre",
    "accord",
    "sommet",
    "président",
    "gouvernement",
    "sécurité",
    "internationale",
    "conférence",
    "Vienne",
    "Genève",
    "Paris",
    "Moscou",
    "Berlin",
    "Madrid",
    "ONU",
    "AIEA",
    "OTAN",
    "Union",
    "européenne",
    "coopération",
    "énergie",
    "économie",
    "vote",
]


def make_entries(count: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    lines = []
    for i in range(count):
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 90))) + "." for _ in range(5)
        ]
        record = {
            "url": f"https://news.example.fr/{i}?utm_source=bench",
            "title": " ".join(rng.choice(WORDS) for _ in range(9)).capitalize(),
            "summary": paragraphs[0][:200],
            "body": "\n\n".join(paragraphs),
            "authors": ["Jeanne Martin"],
            "published": "2026-11-24T09:15:00+01:00",
            "language": "fr",
        }
        lines.append(json.dumps(record, ensure_ascii=False).encode())
    return lines


def run_subject(path: Path, kafka: KafkaSettings, state: Path) -> tuple[float, int]:
    names = Names(f"bench-{uuid.uuid4().hex[:8]}")
    settings = IngestSettings(
        namespace=names.namespace, state_dir=state / names.namespace, kafka=kafka
    )
    publisher = open_publisher(settings, IngestMetrics())  # topics created before timing
    start = time.perf_counter()
    summary = import_paths([path], Intake(publisher), batch_size=1000)
    elapsed = time.perf_counter() - start
    publisher.close()
    return elapsed, summary.published


def timed_send(kafka: KafkaSettings, sends: Callable[[KafkaProducer, str], None]) -> float:
    topic = Names(f"bench-{uuid.uuid4().hex[:8]}").raw_topic
    ensure_topics(kafka, [topic])
    producer: KafkaProducer = make_producer(kafka)  # same durability/batching/compression
    producer.partitions_for(topic)
    start = time.perf_counter()
    sends(producer, topic)
    producer.flush()
    elapsed = time.perf_counter() - start
    producer.close()
    return elapsed


def run_baseline(lines: list[bytes], kafka: KafkaSettings) -> tuple[float, int]:
    def sends(producer: KafkaProducer, topic: str) -> None:
        for line in lines:
            producer.send(topic, value=line)

    return timed_send(kafka, sends), len(lines)


def run_keyed(lines: list[bytes], keys: list[bytes], kafka: KafkaSettings) -> tuple[float, int]:
    def sends(producer: KafkaProducer, topic: str) -> None:
        for key, line in zip(keys, lines, strict=True):
            producer.send(topic, key=key, value=line)

    return timed_send(kafka, sends), len(lines)


def run_floor(lines: list[bytes], kafka: KafkaSettings) -> tuple[float, int]:
    now = datetime.now(UTC)

    def sends(producer: KafkaProducer, topic: str) -> None:
        for line in lines:
            record = orjson.loads(line)
            key = hashlib.sha256(record["url"].encode()).hexdigest()
            article = RawArticle.model_validate(
                {
                    "id": key,
                    "title": record["title"],
                    "summary": record["summary"],
                    "body": record["body"],
                    "authors": record["authors"],
                    "published_at": now,
                    "fetched_at": now,
                    "source_kind": "file",
                    "source": "news.example.fr",
                    "language_hint": record["language"],
                    "content_hash": key,  # not computed: the floor does no hashing
                },
                context={"content_hash_computed": True},
            )
            producer.send(topic, key=key.encode(), value=article.to_json())

    return timed_send(kafka, sends), len(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bootstrap", help="Default: NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS.")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # "on one core"
    kafka = KafkaSettings()  # NEWSWIRE_KAFKA_* as the services read them
    if args.bootstrap:
        kafka = kafka.model_copy(update={"bootstrap_servers": args.bootstrap})
    lines = make_entries(args.entries)
    size = sum(len(line) for line in lines)
    print(
        f"machine: {os.cpu_count()} cores (pinned to 1), Python {platform.python_version()}, "
        f"kafka-python {kafka_python_version}"
    )
    print(f"data: {len(lines)} NDJSON entries, {size / len(lines):.0f} bytes each on average")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.ndjson"
        path.write_bytes(b"\n".join(lines) + b"\n")
        run_baseline(lines[:2000], kafka)  # warm-up both paths
        small = Path(tmp) / "warm.ndjson"
        small.write_bytes(b"\n".join(lines[:2000]) + b"\n")
        run_subject(small, kafka, Path(tmp))
        keys = [
            hashlib.sha256(orjson.loads(line)["url"].encode()).hexdigest().encode()
            for line in lines
        ]
        subject_rates, baseline_rates, keyed_rates, floor_rates = [], [], [], []
        for round_no in range(1, args.rounds + 1):
            elapsed, count = run_subject(path, kafka, Path(tmp))
            assert count == len(lines), f"subject published {count} of {len(lines)}"
            subject_rates.append(count / elapsed)
            elapsed_b, count_b = run_baseline(lines, kafka)
            baseline_rates.append(count_b / elapsed_b)
            elapsed_k, count_k = run_keyed(lines, keys, kafka)
            keyed_rates.append(count_k / elapsed_k)
            elapsed_f, count_f = run_floor(lines, kafka)
            floor_rates.append(count_f / elapsed_f)
            print(
                f"round {round_no}: subject {subject_rates[-1]:,.0f}/s, "
                f"baseline {baseline_rates[-1]:,.0f}/s, keyed {keyed_rates[-1]:,.0f}/s, "
                f"floor {floor_rates[-1]:,.0f}/s"
            )
    subject, baseline = medians(subject_rates, baseline_rates)
    keyed, floor = statistics.median(keyed_rates), statistics.median(floor_rates)
    print(
        f"context: keyed bare producer {keyed:,.0f}/s (ratio to baseline {keyed / baseline:.2f}); "
        f"floor {floor:,.0f}/s (ratio to baseline {floor / baseline:.2f}); "
        f"subject / floor {subject / floor:.2f}"
    )
    summary(subject, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
