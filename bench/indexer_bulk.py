"""Benchmark: the indexer (consume the enriched topic, validate, build documents, bulk with
external versions, commit) versus bare `helpers.streaming_bulk` of the same documents into the
same node, side by side.

    .venv/bin/python bench/indexer_bulk.py [--docs 10000] [--rounds 3]

Needs `newswire infra up`. Rounds alternate subject and baseline after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import elasticsearch
from elasticsearch import Elasticsearch, helpers
from rates import medians, summary

from services.indexer.consumer import Indexer
from services.indexer.document import to_document
from services.indexer.metrics import IndexerMetrics
from services.indexer.settings import IndexerSettings
from shared.elasticsearch import make_client
from shared.index import ensure_index
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.models import EnrichedArticle, Entity, RawArticle
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings

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
    "coopération",
    "énergie",
    "économie",
    "vote",
    "élections",
    "réforme",
    "budget",
    "parlement",
]
PLACES = ["Vienne", "Genève", "Paris", "Moscou", "Berlin", "Madrid", "Kyiv", "Bruxelles"]


def make_articles(count: int, seed: int = 11) -> list[EnrichedArticle]:
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    articles = []
    for i in range(count):
        body = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(80)) + "." for _ in range(5))
        raw = RawArticle.create(
            title=" ".join(rng.choice(WORDS) for _ in range(9)),
            body=body,
            url=f"https://news.example.fr/bench/{i}",
            source_kind="feed",
            source="news.example.fr",
            published_at=base + timedelta(minutes=i),
        )
        place = rng.choice(PLACES)
        articles.append(
            EnrichedArticle.from_raw(
                raw,
                language="fr",
                language_confidence=0.99,
                entities=[Entity(canonical=place, label="LOC", id=f"geo:{place}", count=2)],
                word_count=400,
                reading_time_s=120,
                enriched_at=base,
            )
        )
    return articles


def subject(
    articles: list[EnrichedArticle], kafka: KafkaSettings, es_settings: ElasticsearchSettings
) -> float:
    """Docs/s for the indexer working through a backlog: the records are produced first, and
    the clock starts once the indexer holds its partitions (joining a group is a one-off
    start-up cost, and producing is not the indexer's work)."""
    names = Names(f"bench-{uuid.uuid4().hex[:8]}")
    ensure_topics(kafka, names.topics())
    settings = IndexerSettings(namespace=names.namespace, kafka=kafka, es=es_settings)
    es = make_client(es_settings)
    ensure_index(es, names, datetime.now(UTC))
    producer = make_producer(kafka)
    for article in articles:
        producer.send(names.enriched_topic, key=article.id.encode(), value=article.to_json())
    producer.flush()
    consumer = make_consumer(kafka, names.indexer_group, max_poll_records=settings.batch_size)
    indexer = Indexer(settings, consumer, producer, es, IndexerMetrics())
    worker = threading.Thread(target=indexer.run)
    worker.start()
    while not consumer.assignment():
        time.sleep(0.002)
    start = time.perf_counter()
    while indexer.metrics.indexed._value.get() < len(articles):
        if not worker.is_alive():
            raise RuntimeError("indexer stopped")
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    indexer.stop_event.set()
    worker.join()
    consumer.close()
    producer.close()
    _cleanup(es, names)
    return len(articles) / elapsed


def baseline(articles: list[EnrichedArticle], es_settings: ElasticsearchSettings) -> float:
    names = Names(f"bench-{uuid.uuid4().hex[:8]}")
    es = make_client(es_settings)
    ensure_index(es, names, datetime.now(UTC))
    now = datetime.now(UTC)
    actions = [
        {
            "_index": names.monthly_index(a.published_at),
            "_id": a.id,
            "_source": to_document(a, indexed_at=now),
        }
        for a in articles
    ]
    start = time.perf_counter()
    count = sum(1 for ok, _ in helpers.streaming_bulk(es, actions, chunk_size=500) if ok)
    elapsed = time.perf_counter() - start
    assert count == len(articles)
    _cleanup(es, names)
    return len(articles) / elapsed


def _cleanup(es: Elasticsearch, names: Names) -> None:
    es.options(ignore_status=404).indices.delete(index=names.index_pattern)
    es.options(ignore_status=404).indices.delete_index_template(name=names.index_template)
    es.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    kafka = KafkaSettings()  # NEWSWIRE_KAFKA_* as the services read them
    es_settings = ElasticsearchSettings()  # NEWSWIRE_ES_*
    # GET / is not routed on the minimal distribution: ask the node itself.
    nodes = make_client(es_settings).nodes.info(node_id="_local")["nodes"]
    version = next(iter(nodes.values()))["version"]
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"elasticsearch-py {elasticsearch.__versionstr__}, ES {version}"
    )
    articles = make_articles(args.docs)
    print(f"data: {len(articles)} French articles of ~400 words")
    subject(articles[:1000], kafka, es_settings)  # warm-up
    baseline(articles[:1000], es_settings)
    subject_rates, baseline_rates = [], []
    for round_no in range(1, args.rounds + 1):
        subject_rates.append(subject(articles, kafka, es_settings))
        baseline_rates.append(baseline(articles, es_settings))
        print(
            f"round {round_no}: subject {subject_rates[-1]:,.0f} docs/s, "
            f"baseline {baseline_rates[-1]:,.0f} docs/s"
        )
    summary(*medians(subject_rates, baseline_rates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
