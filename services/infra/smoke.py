"""`newswire infra smoke`: proves the running servers do what newswire needs, end to end.

Uses a throw-away namespace (its own topic and index), removed afterwards. A server that does not
answer raises ``UnavailableError`` (exit 3) before anything is tried; a round trip that fails
raises ``CheckFailedError`` (exit 1).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.infra import es_server, kafka_server
from services.infra.settings import InfraSettings
from shared.elasticsearch import make_client
from shared.errors import CheckFailedError, UnavailableError
from shared.index import ensure_index
from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings


def kafka_round_trip(settings: InfraSettings, names: Names) -> str:
    kafka = KafkaSettings(bootstrap_servers=settings.kafka_bootstrap, client_id="newswire-smoke")
    ensure_topics(kafka, [names.raw_topic])
    producer = make_producer(kafka)
    producer.send(names.raw_topic, key=b"smoke", value=b'{"hello": "kafka"}').get(timeout=30)
    producer.close()
    consumer = make_consumer(kafka, None, consumer_timeout_ms=20_000)
    consumer.subscribe([names.raw_topic])
    try:
        message = next(iter(consumer), None)
    finally:
        consumer.close()
    admin = make_admin(kafka)
    try:
        admin.delete_topics([names.raw_topic])
    finally:
        admin.close()
    if message is None or message.key != b"smoke":
        raise RuntimeError("Kafka: the message produced was not consumed back")
    return f"Kafka {settings.kafka_bootstrap}: keyed message produced and consumed back"


def search_round_trip(settings: InfraSettings, names: Names) -> str:
    client = make_client(ElasticsearchSettings(url=settings.es_url))
    try:
        ensure_index(client, names, datetime.now(UTC))
        client.index(
            index=names.write_alias,
            id="smoke",
            refresh=True,
            document={"title_fr": "Les armes nucléaires", "body_fr": "Un traité est signé."},
        )
        hits = client.search(
            index=names.read_alias,
            query={"simple_query_string": {"query": "arme nucleaire", "fields": ["title_fr"]}},
        )["hits"]["hits"]
    finally:
        client.options(ignore_status=404).indices.delete(index=names.index_pattern)
        client.options(ignore_status=404).indices.delete_index_template(name=names.index_template)
        client.close()
    if [hit["_id"] for hit in hits] != ["smoke"]:
        raise RuntimeError("Elasticsearch: 'arme nucleaire' did not find 'armes nucléaires'")
    return f"Elasticsearch {settings.es_url}: 'arme nucleaire' found 'Les armes nucléaires'"


def run(settings: InfraSettings) -> list[str]:
    if not kafka_server.healthy(settings):
        raise UnavailableError(f"Kafka does not answer at {settings.kafka_bootstrap}")
    if not es_server.healthy(settings):
        raise UnavailableError(f"Elasticsearch does not answer at {settings.es_url}")
    names = Names(f"smoke-{uuid.uuid4().hex[:8]}")
    try:
        return [kafka_round_trip(settings, names), search_round_trip(settings, names)]
    except Exception as exc:  # whatever broke the round trip: the servers do not do the job
        raise CheckFailedError(f"{type(exc).__name__}: {exc}") from exc
