from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings
from tests.e2e.pipeline import Pipeline
from tests.services.ingest.http_fixtures import ScriptedServer


@pytest.fixture(autouse=True)
def _collect_dropped_sockets() -> Iterator[None]:
    """These tests restart the broker under live clients, and kafka-python can drop a socket
    without closing it then. Collect such sockets here: their ResourceWarning would otherwise
    surface, as an error, in whichever later test the garbage collector happens to run."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def pipeline(
    kafka_settings: KafkaSettings,
    es_settings: ElasticsearchSettings,
    names: Names,
    tmp_path: Path,
) -> Iterator[Pipeline]:
    """The services of this test's namespace, as processes; all stopped afterwards."""
    running = Pipeline(names, kafka_settings.bootstrap_servers, es_settings.url, tmp_path)
    assert running.run("setup").returncode == 0
    yield running
    running.stop_all()
