"""Session-wide fixtures: the real local Kafka broker and Elasticsearch node.

They are started once per test session (or reused when `newswire infra up` already runs them)
and every test gets its own namespace, hence its own topics, index, aliases and groups.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from services.infra import runner
from services.infra.settings import InfraSettings
from shared.elasticsearch import make_client
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings


@pytest.fixture(scope="session")
def infra() -> Iterator[InfraSettings]:
    settings = InfraSettings()
    already_up = all(s.healthy for s in runner.status(settings))
    if not already_up:
        runner.up(settings)
    yield settings
    # Leave running what the developer started; stop what the session started (unless asked not to).
    if not already_up and not os.environ.get("NEWSWIRE_TEST_KEEP_INFRA"):
        runner.down(settings)


@pytest.fixture
def names() -> Names:
    return Names(f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def kafka_settings(infra: InfraSettings) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=infra.kafka_bootstrap, client_id="newswire-tests")


@pytest.fixture
def es_settings(infra: InfraSettings) -> ElasticsearchSettings:
    return ElasticsearchSettings(url=infra.es_url)


@pytest.fixture
def es(es_settings: ElasticsearchSettings, names: Names) -> Iterator[Elasticsearch]:
    client = make_client(es_settings)
    yield client
    client.options(ignore_status=404).indices.delete(index=names.index_pattern)
    client.options(ignore_status=404).indices.delete_index_template(name=names.index_template)
    client.close()
