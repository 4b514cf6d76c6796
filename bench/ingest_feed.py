"""Benchmark: feed XML import (feedparser + validate + normalise + dedup + publish) versus bare
``feedparser.parse`` of the same files followed by a bare kafka-python producer sending each
entry, side by side, on the local broker.

    .venv/bin/python bench/ingest_feed.py [--feeds 100] [--items 50] [--rounds 3]

Needs `newswire infra up`. Rounds alternate subject and baseline (A B A B ...) after a warm-up;
the median and spread of each are printed, then one summary line. The feeds are RSS 2.0 with an
HTML description and a content:encoded body per item, as news sites publish them.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
import orjson
from ingest_ndjson import WORDS, run_subject, timed_send
from kafka import KafkaProducer
from kafka import __version__ as kafka_python_version
from rates import medians, summary

from shared.settings import KafkaSettings


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_feed(number: int, items: int, rng: random.Random) -> bytes:
    start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    entries = []
    for i in range(items):
        paragraphs = "".join(f"<p>{_sentence(rng, rng.randint(50, 80))}</p>" for _ in range(4))
        entries.append(
            "<item>"
            f"<title>{escape(_sentence(rng, 9))}</title>"
            f"<link>https://news{number}.example.fr/{i}?utm_source=rss&amp;utm_medium=feed</link>"
            f'<guid isPermaLink="false">news{number}-{i}</guid>'
            f"<pubDate>{format_datetime(start + timedelta(minutes=i))}</pubDate>"
            "<dc:creator>Jeanne Martin</dc:creator>"
            f"<description>{escape(_sentence(rng, 30))}</description>"
            f"<content:encoded>{escape(paragraphs)}</content:encoded>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Actualités {number}</title><link>https://news{number}.example.fr/</link>"
        f"<description>Bench</description><language>fr</language>{''.join(entries)}"
        "</channel></rss>"
    ).encode()


def run_baseline(files: list[bytes], kafka: KafkaSettings) -> tuple[float, int]:
    sent = 0

    def sends(producer: KafkaProducer, topic: str) -> None:
        nonlocal sent
        for content in files:
            parsed = feedparser.parse(
                content,
                # The options ingest parses with (no sanitising, no URI rewriting in HTML).
                response_headers={"content-type": "application/xml"},
                sanitize_html=False,
                resolve_relative_uris=False,
            )
            for entry in parsed.entries:
                value = {
                    "url": entry.get("link"),
                    "guid": entry.get("id"),
                    "title": entry.get("title"),
                    "summary": entry.get("summary"),
                    "body": (entry.get("content") or [{}])[0].get("value"),
                    "published": entry.get("published"),
                }
                producer.send(topic, value=orjson.dumps(value))
                sent += 1

    elapsed = timed_send(kafka, sends)
    return elapsed, sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # "on one core"
    kafka = KafkaSettings()  # NEWSWIRE_KAFKA_* as the services read them
    rng = random.Random(11)  # noqa: S311 (synthetic data)
    files = [make_feed(n, args.items, rng) for n in range(args.feeds)]
    entries = args.feeds * args.items
    print(
        f"machine: {os.cpu_count()} cores (pinned to 1), Python {platform.python_version()}, "
        f"kafka-python {kafka_python_version}, feedparser {feedparser.__version__}"
    )
    print(
        f"data: {args.feeds} RSS files of {args.items} items, "
        f"{sum(map(len, files)) / entries:.0f} bytes of XML per item"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "feeds"
        folder.mkdir()
        for n, content in enumerate(files):
            (folder / f"feed-{n:04d}.xml").write_bytes(content)
        warm = Path(tmp) / "warm"
        warm.mkdir()
        (warm / "feed.xml").write_bytes(files[0])
        run_subject(warm, kafka, Path(tmp))  # warm-up both paths
        run_baseline(files[:2], kafka)
        subject_rates, baseline_rates = [], []
        for round_no in range(1, args.rounds + 1):
            elapsed, count = run_subject(folder, kafka, Path(tmp))
            assert count == entries, f"subject published {count} of {entries}"
            subject_rates.append(count / elapsed)
            elapsed_b, count_b = run_baseline(files, kafka)
            assert count_b == entries, f"baseline sent {count_b} of {entries}"
            baseline_rates.append(count_b / elapsed_b)
            print(
                f"round {round_no}: subject {subject_rates[-1]:,.0f}/s, "
                f"baseline {baseline_rates[-1]:,.0f}/s"
            )
    summary(*medians(subject_rates, baseline_rates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
