"""`newswire index` exit codes: --check against the real servers, bad usage, each server
unreachable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from services.indexer.cli import index
from shared.errors import ExitCode
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(index)
    return app


def _invoke(*args: str, **env: str) -> int:
    result = CliRunner().invoke(_app(), list(args), env=env)
    return int(result.exit_code)


@pytest.mark.integration
def test_check_is_ok_when_both_answer(
    names: Names, kafka_settings: KafkaSettings, es_settings: ElasticsearchSettings
) -> None:
    code = _invoke(
        "--check",
        NEWSWIRE_NAMESPACE=names.namespace,
        NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS=kafka_settings.bootstrap_servers,
        NEWSWIRE_ES_URL=es_settings.url,
    )
    assert code == ExitCode.OK


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--bogus"], {}),
        (["--port", "-1"], {}),
        ([], {"NEWSWIRE_INDEXER_BATCH_SIZE": "0"}),
        ([], {"NEWSWIRE_INDEXER_MAX_IN_FLIGHT": "many"}),
    ],
)
def test_bad_usage(args: list[str], env: dict[str, str]) -> None:
    assert _invoke(*args, **env) == ExitCode.USAGE


def test_elasticsearch_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    code = _invoke(
        "--check", NEWSWIRE_ES_URL="http://127.0.0.1:1", NEWSWIRE_ES_REQUEST_TIMEOUT_S="2"
    )
    assert code == ExitCode.UNAVAILABLE
    assert "cannot reach Elasticsearch at http://127.0.0.1:1" in caplog.text


@pytest.mark.integration
def test_kafka_unreachable(es_settings: ElasticsearchSettings) -> None:
    # In a process of its own: kafka-python leaves the IO thread and sockets of a failed
    # bootstrap behind (daemon thread: the command still exits).
    env = {
        **os.environ,
        "NEWSWIRE_ES_URL": es_settings.url,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "NEWSWIRE_KAFKA_REQUEST_TIMEOUT_MS": "1000",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services.indexer", "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr[-2000:]
    assert "cannot reach Kafka at 127.0.0.1:1" in done.stderr
