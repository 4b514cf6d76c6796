"""The dedup stage's tests share one fixture: a worker process of their test's namespace."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.kafka import ensure_topics
from shared.names import Names
from shared.settings import KafkaSettings
from tests.services.dedup.worker import Worker


@pytest.fixture
def worker(names: Names, kafka_settings: KafkaSettings, tmp_path: Path) -> Iterator[Worker]:
    ensure_topics(kafka_settings, [names.incoming_topic, names.raw_topic, names.dead_letter_topic])
    running = Worker(names, kafka_settings, tmp_path / "dedup", tmp_path / "dedup.log")
    yield running
    if running.running():
        running.stop(signal.SIGKILL)
