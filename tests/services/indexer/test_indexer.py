"""The indexer against the real broker and node: idempotency, replay, rejected documents,
an Elasticsearch outage, and a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from services.indexer.consumer import Indexer
from services.indexer.metrics import IndexerMetrics
from services.indexer.settings import IndexerSettings
from shared.deadletter import DeadLetter
from shared.elasticsearch import make_client
from shared.index import ensure_index
from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer
from shared.models import EnrichedArticle
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings
from tests.kafka_utils import read_all
from tests.services.indexer.conftest import PUBLISHED, enriched
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


def produce(settings: KafkaSettings, topic: str, articles: list[EnrichedArticle]) -> None:
    producer = make_producer(settings)
    for article in articles:
        producer.send(topic, key=article.id.encode(), value=article.to_json())
    producer.flush()
    producer.close()


@pytest.fixture
def settings(
    kafka_settings: KafkaSettings, es_settings: ElasticsearchSettings, names: Names
) -> IndexerSettings:
    ensure_topics(kafka_settings, names.topics())
    return IndexerSettings(
        namespace=names.namespace,
        kafka=kafka_settings,
        es=es_settings,
        batch_size=50,
        retry_initial_s=0.2,
        retry_max_s=1.0,
    )


def make_indexer(settings: IndexerSettings, es: Elasticsearch | None = None) -> Indexer:
    client = es or make_client(settings.es)
    ensure_index(client, settings.names, datetime.now(UTC))
    consumer = make_consumer(
        settings.kafka, settings.names.indexer_group, max_poll_records=settings.batch_size
    )
    return Indexer(settings, consumer, make_producer(settings.kafka), client, IndexerMetrics())


def drain(indexer: Indexer) -> None:
    indexer.run(burst=True)
    indexer.consumer.close(autocommit=False)
    indexer.producer.close()


def committed(settings: IndexerSettings) -> int:
    admin = make_admin(settings.kafka)
    try:
        group = settings.names.indexer_group
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    return sum(max(meta.offset, 0) for meta in offsets.values())


def test_versions_win_and_replays_are_no_ops(settings: IndexerSettings, es: Elasticsearch) -> None:
    topic = settings.names.enriched_topic
    v1, v2 = enriched(1), enriched(1, version=2, body="Le traité a été amendé.")
    produce(settings.kafka, topic, [v1, v1, v2, v1, enriched(2)])
    indexer = make_indexer(settings, es)
    drain(indexer)
    es.indices.refresh(index=settings.names.read_alias)
    assert es.count(index=settings.names.read_alias)["count"] == 2
    doc = es.get(index=settings.names.article_index(PUBLISHED, datetime.now(UTC)), id=v1.id)
    assert doc["_version"] == 2
    assert doc["_source"]["body"] == "Le traité a été amendé."
    assert doc["_source"]["body_fr"] == "Le traité a été amendé."
    assert doc["_source"]["places"] == ["Vienne"]
    assert indexer.metrics.unchanged._value.get() == 2  # the duplicate v1 and the late v1
    assert committed(settings) == 5

    # Replaying the whole topic with a new group leaves the index exactly as it was.
    before = es.search(index=settings.names.read_alias, size=10, version=True)["hits"]["hits"]
    replay = settings.model_copy(update={"namespace": settings.namespace})
    replay_indexer = make_indexer(replay, es)
    replay_indexer.consumer.close()
    consumer = make_consumer(settings.kafka, f"{settings.names.indexer_group}-replay")
    replay_indexer.consumer = consumer
    drain(replay_indexer)
    es.indices.refresh(index=settings.names.read_alias)
    after = es.search(index=settings.names.read_alias, size=10, version=True)["hits"]["hits"]
    assert sorted((h["_id"], h["_version"]) for h in after) == sorted(
        (h["_id"], h["_version"]) for h in before
    )
    assert replay_indexer.metrics.indexed._value.get() == 0


def test_rejected_document_is_dead_lettered_rest_indexed(
    settings: IndexerSettings, es: Elasticsearch, kafka_settings: KafkaSettings
) -> None:
    # An integer field over 2^31 - 1: Elasticsearch rejects that document only. (An over-long
    # keyword no longer does: the template leaves it unindexed.)
    bad = enriched(3, word_count=2**40)
    topic = settings.names.enriched_topic
    produce(kafka_settings, topic, [enriched(1), bad, enriched(2)])
    producer = make_producer(kafka_settings)
    producer.send(topic, key=b"junk", value=b'{"not": "an article"}')
    producer.flush()
    producer.close()
    indexer = make_indexer(settings, es)
    drain(indexer)
    es.indices.refresh(index=settings.names.read_alias)
    assert es.count(index=settings.names.read_alias)["count"] == 2
    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in read_all(kafka_settings, settings.names.dead_letter_topic)
    ]
    by_reason = {letter.reason: letter for letter in letters}
    assert set(by_reason) == {"es-rejected", "invalid-article"}
    rejected = by_reason["es-rejected"]
    assert rejected.article_id == bad.id
    assert rejected.stage == "indexer"
    assert "exception" in rejected.error
    assert rejected.topic == topic
    assert rejected.offset is not None
    assert committed(settings) == 4


def test_batches_written_concurrently_commit_in_order(
    settings: IndexerSettings, es: Elasticsearch, kafka_settings: KafkaSettings
) -> None:
    # Small batches, four written at once: versions of one article spread over several batches
    # still end with the newest, every record is committed, a rejected one is dead-lettered.
    concurrent = settings.model_copy(update={"batch_size": 10, "max_in_flight": 4})
    topic = concurrent.names.enriched_topic
    stream = [enriched(n) for n in range(120)]
    for version in (2, 3):
        stream.insert(37 * version, enriched(0, version=version, body=f"Version {version}."))
    stream.insert(90, enriched(500, word_count=2**40))
    produce(kafka_settings, topic, stream)
    indexer = make_indexer(concurrent, es)
    drain(indexer)
    es.indices.refresh(index=concurrent.names.read_alias)
    assert es.count(index=concurrent.names.read_alias)["count"] == 120
    doc = es.get(
        index=concurrent.names.article_index(PUBLISHED, datetime.now(UTC)), id=enriched(0).id
    )
    assert (doc["_version"], doc["_source"]["body"]) == (3, "Version 3.")
    letters = read_all(kafka_settings, concurrent.names.dead_letter_topic)
    assert [DeadLetter.model_validate_json(r.value).reason for r in letters] == ["es-rejected"]
    assert committed(concurrent) == len(stream)


def test_elasticsearch_outage_loses_nothing(
    settings: IndexerSettings, es: Elasticsearch, es_settings: ElasticsearchSettings
) -> None:
    proxy = TcpProxy("127.0.0.1", int(es_settings.url.rsplit(":", 1)[1]))
    proxy.start()
    through_proxy = settings.model_copy(
        update={
            "es": ElasticsearchSettings(url=f"http://127.0.0.1:{proxy.port}", request_timeout_s=2)
        }
    )
    client = make_client(through_proxy.es, retry_on_timeout=False, max_retries=0)
    indexer = make_indexer(through_proxy, client)
    proxy.stop()  # Elasticsearch "down" before the records arrive
    articles = [enriched(n) for n in range(40)]
    produce(settings.kafka, settings.names.enriched_topic, articles)
    worker = threading.Thread(target=indexer.run, kwargs={"burst": True})
    worker.start()
    deadline = time.monotonic() + 30
    while indexer.metrics.retried._value.get() < 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # five rounds of retries of the whole batch (a few seconds)
    assert committed(settings) == 0  # nothing committed while nothing is written
    proxy.start()  # back up
    worker.join(timeout=60)
    assert not worker.is_alive()
    indexer.consumer.close(autocommit=False)
    indexer.producer.close()
    es.indices.refresh(index=settings.names.read_alias)
    assert es.count(index=settings.names.read_alias)["count"] == 40
    assert committed(settings) == 40
    assert indexer.metrics.paused._value.get() >= 1  # consumption paused meanwhile
    proxy.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def test_sigterm_stops_cleanly(settings: IndexerSettings, es: Elasticsearch) -> None:
    produce(settings.kafka, settings.names.enriched_topic, [enriched(n) for n in range(10)])
    port = _free_port()
    env = {
        **os.environ,
        "NEWSWIRE_NAMESPACE": settings.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "NEWSWIRE_ES_URL": settings.es.url,
        "NEWSWIRE_INDEXER_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.indexer"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while committed(settings) < 10 and time.monotonic() < deadline:
        time.sleep(0.3)
    # The HTTP surface is on by default: a liveness probe and the metrics.
    status, body = _get(f"http://127.0.0.1:{port}/healthz")
    assert (status, json.loads(body)["status"]) == (200, "ok")
    status, body = _get(f"http://127.0.0.1:{port}/metrics")
    assert b"newswire_indexer_indexed_total 10.0" in body
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output.decode(errors="replace")[-2000:]
    assert committed(settings) == 10
    es.indices.refresh(index=settings.names.read_alias)
    assert es.count(index=settings.names.read_alias)["count"] == 10


def test_new_version_in_another_month_replaces_the_old_copy(
    settings: IndexerSettings, es: Elasticsearch
) -> None:
    first = enriched(7)
    moved = EnrichedArticle.model_validate(
        {**first.model_dump(), "version": 2, "published_at": datetime(2026, 12, 2, tzinfo=UTC)}
    )
    produce(settings.kafka, settings.names.enriched_topic, [first, moved, first])
    indexer = make_indexer(settings, es)
    drain(indexer)
    es.indices.refresh(index=settings.names.read_alias)
    hits = es.search(index=settings.names.read_alias, version=True)["hits"]["hits"]
    assert [(h["_index"], h["_version"]) for h in hits] == [
        (settings.names.article_index(moved.published_at, datetime.now(UTC)), 2)
    ]
