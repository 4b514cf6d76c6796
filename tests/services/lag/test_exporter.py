"""The Prometheus exporter on a free port: the samples it serves, its own health, and a clean
stop on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from services.lag.exporter import Exporter
from services.lag.metrics import LagMetrics
from services.lag.monitor import Monitor
from shared.names import Names
from shared.settings import KafkaSettings
from tests.services.lag.conftest import Commit, MakeSettings, MakeTopic, Produce

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(port: int) -> Samples:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_metrics_show_lag_status_and_health(
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
    lag_settings: MakeSettings,
) -> None:
    topic = make_topic(names.enriched_topic, 2)
    old_ms = int(time.time() * 1000) - 30_000
    produce(topic, 0, 8, timestamp_ms=old_ms)
    produce(topic, 1, 4)
    group = names.indexer_group
    commit(group, topic, {0: 3, 1: 4})
    settings = lag_settings(port=0)
    exporter = Exporter(Monitor(settings), LagMetrics(settings.refresh_interval_s))
    try:
        port = exporter.start()
        before = scrape(port)
        assert not [k for k in before if k[0] == "newswire_lag_messages"]  # nothing refreshed yet
        assert exporter.refresh_once()
        samples = scrape(port)
    finally:
        exporter.close()

    p0 = labels(group=group, topic=topic, partition="0")
    p1 = labels(group=group, topic=topic, partition="1")
    assert samples[("newswire_lag_messages", p0)] == 5
    assert samples[("newswire_lag_messages", p1)] == 0
    assert samples[("newswire_lag_seconds", p0)] == pytest.approx(30, abs=2)
    assert samples[("newswire_lag_seconds", p1)] == 0
    assert samples[("newswire_lag_committed_offset", p0)] == 3
    assert samples[("newswire_lag_status", p0)] == 0
    assert samples[("newswire_lag_log_end_offset", labels(topic=topic, partition="0"))] == 8
    assert samples[("newswire_lag_group_messages", labels(group=group))] == 5
    assert samples[("newswire_lag_group_seconds", labels(group=group))] == pytest.approx(30, abs=2)
    assert samples[("newswire_lag_group_status", labels(group=group))] == 0
    # The enrich group does not exist: a status, no lag figures.
    assert samples[("newswire_lag_group_status", labels(group=names.enrich_group))] == 0
    assert ("newswire_lag_group_seconds", labels(group=names.enrich_group)) not in samples
    assert samples[("newswire_lag_refresh_ok", labels())] == 1
    assert samples[("newswire_lag_refresh_errors_total", labels())] == 0
    assert samples[("newswire_lag_refresh_duration_seconds_count", labels())] == 1
    last = samples[("newswire_lag_last_refresh_success_timestamp_seconds", labels())]
    assert time.time() - 10 < last <= time.time()


def test_failed_refreshes_are_counted_not_fatal(
    kafka_settings: KafkaSettings, lag_settings: MakeSettings
) -> None:
    unreachable = kafka_settings.model_copy(update={"bootstrap_servers": "127.0.0.1:1"})
    settings = lag_settings(port=0, kafka=unreachable, connect_timeout_s=0.5)
    exporter = Exporter(Monitor(settings), LagMetrics(settings.refresh_interval_s))
    try:
        port = exporter.start()
        assert not exporter.refresh_once()
        assert not exporter.refresh_once()
        samples = scrape(port)
    finally:
        exporter.close()
    assert samples[("newswire_lag_refresh_errors_total", labels())] == 2
    assert samples[("newswire_lag_refresh_ok", labels())] == 0
    assert samples[("newswire_lag_last_refresh_success_timestamp_seconds", labels())] == 0
    assert not [k for k in samples if k[0].startswith("newswire_lag_group")]


def test_serve_stops_cleanly_on_sigterm(
    kafka_settings: KafkaSettings,
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
) -> None:
    topic = make_topic(names.raw_topic, 1)
    produce(topic, 0, 3)
    commit(names.enrich_group, topic, {0: 1})
    port = free_port()
    env = {
        **os.environ,
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
    }
    command = [sys.executable, "-m", "services.lag", "serve", "--port", str(port)]
    command += ["--group", names.enrich_group, "--interval", "0.5"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wanted = (
            "newswire_lag_messages",
            labels(group=names.enrich_group, topic=topic, partition="0"),
        )
        deadline = time.monotonic() + 20
        samples: Samples = {}
        while wanted not in samples and time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()[1]
            with contextlib.suppress(httpx.TransportError):
                samples = scrape(port)
            time.sleep(0.1)
        assert samples.get(wanted) == 2
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, stderr.decode()
    assert b"stopping exporter" in stderr


def test_a_real_prometheus_scrapes_and_queries_the_exporter(
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
    lag_settings: MakeSettings,
    tmp_path: Path,
) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is missing: run scripts/bootstrap (Debian package prometheus)")
    topic = make_topic(names.raw_topic, 1)
    produce(topic, 0, 9)
    commit(names.indexer_group, topic, {0: 2})
    settings = lag_settings(port=0)
    exporter = Exporter(Monitor(settings), LagMetrics(settings.refresh_interval_s))
    prometheus: subprocess.Popen[bytes] | None = None
    try:
        port = exporter.start()
        assert exporter.refresh_once()
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
            "scrape_configs": [
                {"job_name": "newswire-lag", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
            ],
        }
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        web = free_port()
        prometheus = subprocess.Popen(
            [
                binary,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{web}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        query = f'newswire_lag_group_messages{{group="{names.indexer_group}"}}'
        result: list[dict[str, Any]] = []
        deadline = time.monotonic() + 20
        while not result and time.monotonic() < deadline:
            assert prometheus.poll() is None, prometheus.communicate()[1].decode()[-2000:]
            time.sleep(0.25)
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.get(
                    f"http://127.0.0.1:{web}/api/v1/query", params={"query": query}, timeout=2
                )
                if answer.status_code == 200:
                    result = answer.json()["data"]["result"]
        assert result, "Prometheus never stored the exporter's samples"
        (sample,) = result
        assert sample["metric"]["job"] == "newswire-lag"
        assert sample["value"][1] == "7"
    finally:
        exporter.close()
        if prometheus is not None:
            prometheus.terminate()
            prometheus.communicate(timeout=15)
