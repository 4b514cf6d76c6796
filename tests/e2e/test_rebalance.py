"""Two enrich workers share the raw topic; one is killed mid-stream. Every raw article still
appears in the enriched topic (faust has known issues of partitions left unconsumed after a
rebalance: this pins the behaviour down on the real broker)."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from shared.names import Names
from shared.settings import KafkaSettings
from tests.e2e.pipeline import Pipeline
from tests.e2e.test_chaos import write_articles
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration
ARTICLES = 1500


def enriched_ids(kafka: KafkaSettings, names: Names) -> set[bytes]:
    return {r.key for r in read_all(kafka, names.enriched_topic)}


def test_worker_killed_mid_stream_every_article_enriched(
    pipeline: Pipeline, kafka_settings: KafkaSettings, names: Names, tmp_path: Path
) -> None:
    for name in ("dedup", "enrich", "enrich-2"):
        pipeline.start(name)
    for name in ("enrich", "enrich-2"):
        pipeline.wait_healthy(name, "/metrics")
    source = tmp_path / "articles.ndjson"
    write_articles(source, ARTICLES, random.Random(3))
    assert pipeline.run("ingest", "file", str(source)).returncode == 0
    deadline = time.monotonic() + 120
    while len(enriched_ids(kafka_settings, names)) < ARTICLES // 5:
        assert time.monotonic() < deadline, pipeline.log("enrich") + pipeline.log("enrich-2")
        time.sleep(0.5)
    pipeline.kill("enrich-2")  # SIGKILL: no leave-group, its partitions must move
    deadline = time.monotonic() + 240
    while len(enriched_ids(kafka_settings, names)) < ARTICLES:
        assert time.monotonic() < deadline, pipeline.log("enrich")
        assert pipeline.processes["enrich"].poll() is None, pipeline.log("enrich")
        time.sleep(1)
    assert len(enriched_ids(kafka_settings, names)) == ARTICLES
