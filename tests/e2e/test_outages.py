"""Outages mid-run: Elasticsearch stopped for 60 s, then the Kafka broker restarted. Nothing is
lost and the pipeline resumes by itself once each server is back."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.infra import runner
from services.infra.settings import InfraSettings
from tests.e2e.pipeline import Pipeline
from tests.e2e.test_chaos import write_articles

pytestmark = pytest.mark.integration
ARTICLES = 1500


@pytest.fixture(autouse=True)
def servers_back_up(infra: InfraSettings) -> Iterator[None]:
    yield
    for name in ("elasticsearch", "kafka"):  # whatever happens, leave both servers up
        if not any(s.name == name and s.healthy for s in runner.status(infra)):
            runner.start_server(infra, name)


def indexed(pipeline: Pipeline) -> int:
    audit = pipeline.run("audit", "--json")
    return int(json.loads(audit.stdout)["indexed"]["ids"]) if audit.stdout else -1


def test_elasticsearch_down_60s_then_kafka_restart(
    pipeline: Pipeline, infra: InfraSettings, tmp_path: Path
) -> None:
    import random

    source = tmp_path / "articles.ndjson"
    write_articles(source, ARTICLES, random.Random(7))
    for name in ("dedup", "enrich", "indexer"):
        pipeline.start(name)
    pipeline.wait_healthy("enrich", "/metrics")
    importer = subprocess.Popen(
        pipeline.command("ingest", "file", str(source)),
        env=pipeline.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)

    assert runner.stop_server(infra, "elasticsearch")
    time.sleep(60)
    assert importer.wait(timeout=300) == 0  # ingest does not need Elasticsearch
    for name in ("dedup", "enrich", "indexer"):
        assert pipeline.processes[name].poll() is None, pipeline.log(name)  # still running
    runner.start_server(infra, "elasticsearch")
    recovered = time.monotonic()
    audit = pipeline.run("audit", "--wait", "180", "--json", timeout=300)
    assert audit.returncode == 0, audit.stdout + pipeline.log("indexer")
    resumed_in = time.monotonic() - recovered
    assert json.loads(audit.stdout)["indexed"]["ids"] == ARTICLES

    # Now the broker goes away and comes back, with new articles arriving around it.
    more = tmp_path / "more.ndjson"
    write_articles(more, ARTICLES + 300, random.Random(8))  # first ARTICLES ids already exist
    assert runner.stop_server(infra, "kafka")
    time.sleep(5)
    runner.start_server(infra, "kafka")
    for _attempt in range(3):  # an import that met the outage says so (exit 1): run it again
        if pipeline.run("ingest", "file", str(more), timeout=400).returncode == 0:
            break
    else:
        pytest.fail("the import never completed after the broker restart")
    audit = pipeline.run("audit", "--wait", "240", "--json", timeout=400)
    report = json.loads(audit.stdout)
    assert audit.returncode == 0, (
        report,
        pipeline.log("enrich")[-3000:],
        pipeline.log("indexer")[-3000:],
    )
    assert report["raw"]["ids"] == ARTICLES + 300
    assert report["indexed"]["ids"] == ARTICLES + 300
    for name in ("dedup", "enrich", "indexer"):
        assert pipeline.processes[name].poll() is None, pipeline.log(name)
    print(f"index caught up {resumed_in:.1f}s after Elasticsearch was healthy again")
