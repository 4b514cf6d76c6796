"""`newswire setup` against the real servers: topics, index and aliases, idempotently."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from elasticsearch import Elasticsearch

from shared.kafka import make_admin
from shared.names import Names
from shared.settings import KafkaSettings

pytestmark = pytest.mark.integration


def test_setup_creates_topics_index_and_aliases(
    kafka_settings: KafkaSettings, es: Elasticsearch, names: Names
) -> None:
    env = {
        **os.environ,
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        "NEWSWIRE_ES_URL": str(es.transport.node_pool.get().base_url),
    }
    command = [sys.executable, "-c", "from services.cli import main; main()", "setup"]
    for _ in range(2):  # a second run changes nothing and still succeeds
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert "(0 created)" in done.stdout
    admin = make_admin(kafka_settings)
    try:
        assert set(names.topics()) <= set(admin.list_topics())
    finally:
        admin.close()
    aliases = es.indices.get_alias(name=names.write_alias)
    assert len(aliases) == 1
    assert es.indices.exists_alias(name=names.read_alias)
