"""`newswire lag` as the lead registers it (``root.add_typer(app, name="lag")``): the JSON
report, the table, the exit codes and the live view."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import typer
from typer.testing import CliRunner

from services.lag.cli import app
from shared.errors import ExitCode
from shared.names import Names
from shared.settings import KafkaSettings
from tests.services.lag.conftest import Commit, MakeTopic, Produce

pytestmark = pytest.mark.integration


def newswire() -> typer.Typer:
    root = typer.Typer(no_args_is_help=True)
    root.add_typer(app, name="lag")
    root.command("noop")(lambda: None)  # a second command, so "lag" stays a sub-command
    return root


@pytest.fixture
def env(kafka_settings: KafkaSettings, names: Names) -> dict[str, str]:
    return {
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        "COLUMNS": "200",
    }


def test_json_report_of_the_default_groups(
    env: dict[str, str],
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
) -> None:
    topic = make_topic(names.raw_topic, 2)
    produce(topic, 0, 6)
    commit(names.enrich_group, topic, {0: 2})
    result = CliRunner().invoke(newswire(), ["lag", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    dedup, enrich, indexer = report["groups"]
    assert (dedup["group"], enrich["group"], indexer["group"]) == (
        names.dedup_group,
        names.enrich_group,
        names.indexer_group,
    )
    (partition,) = enrich["partitions"]
    assert (partition["committed_offset"], partition["log_end_offset"], partition["lag"]) == (
        2,
        6,
        4,
    )
    assert partition["lag_seconds_source"] == "exact"
    assert partition["lag_seconds"] >= 0
    assert (indexer["state"], indexer["partitions"], indexer["max_lag_seconds"]) == (
        "Dead",
        [],
        None,
    )


def test_an_error_status_exits_1(
    env: dict[str, str],
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
) -> None:
    topic = make_topic(names.raw_topic, 1)
    produce(topic, 0, 60)
    group = f"{names.namespace}.rewinding"
    commit(group, topic, {0: 50})
    commit(group, topic, {0: 20})  # the commit log shows it even to a one-shot run
    result = CliRunner().invoke(newswire(), ["lag", "--group", group], env=env)
    assert result.exit_code == 1, result.output
    assert "REWIND" in result.stdout
    assert group in result.stdout


def test_several_samples_a_moment_apart(
    env: dict[str, str], names: Names, make_topic: MakeTopic, commit: Commit
) -> None:
    topic = make_topic(names.raw_topic, 1)
    commit(names.indexer_group, topic, {0: 0})
    started = time.monotonic()
    args = ["lag", "--samples", "3", "--interval", "0.2", "--json"]
    result = CliRunner().invoke(newswire(), args, env=env)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 0.4
    groups = {g["group"]: g for g in json.loads(result.stdout)["groups"]}
    assert groups[names.indexer_group]["partitions"][0]["lag"] == 0


def test_unreachable_kafka_exits_3(env: dict[str, str]) -> None:
    env = {**env, "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    result = CliRunner().invoke(newswire(), ["lag"], env=env)
    assert result.exit_code == ExitCode.UNAVAILABLE
    assert "cannot reach Kafka" in result.output


def test_watch_with_kafka_unreachable_exits_3(env: dict[str, str]) -> None:
    env = {**env, "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    result = CliRunner().invoke(newswire(), ["lag", "--watch"], env=env)
    assert result.exit_code == ExitCode.UNAVAILABLE
    assert "cannot reach Kafka" in result.output


def test_serve_exits_1_when_its_port_is_taken(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(newswire(), ["lag", "serve", "--port", port], env=env)
    assert result.exit_code == ExitCode.FAILED, result.output


@pytest.mark.parametrize("columns", [80, 160])
def test_the_table_reads_at_80_and_160_columns(
    env: dict[str, str],
    names: Names,
    make_topic: MakeTopic,
    produce: Produce,
    commit: Commit,
    columns: int,
) -> None:
    topic = make_topic(names.raw_topic, 3)
    for partition in range(3):
        produce(topic, partition, 1200 + partition)
        commit(names.enrich_group, topic, {partition: 7})
    result = CliRunner().invoke(newswire(), ["lag"], env={**env, "COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= columns
    tokens = result.stdout.split()
    for whole in (names.enrich_group, names.indexer_group, "1,193", "1,194", "1,195", "1,202"):
        assert whole in tokens  # not cut in two by a wrap
    assert [line.strip() for line in lines].count(topic) == 1  # the topic is named once
    assert ("host" in result.stdout) is (columns >= 120)


@pytest.mark.parametrize(
    ("args", "env_extra"),
    [
        (["lag", "--samples", "0"], {}),
        (["lag", "--interval", "0"], {}),
        (["lag", "--nope"], {}),
        (["lag"], {"NEWSWIRE_LAG_WINDOW_S": "-1"}),
        (["lag", "serve", "--port", "70000"], {}),
        (["lag", "serve"], {"NEWSWIRE_LAG_SHUTDOWN_TIMEOUT_S": "0"}),
    ],
)
def test_bad_usage_exits_2(env: dict[str, str], args: list[str], env_extra: dict[str, str]) -> None:
    result = CliRunner().invoke(newswire(), args, env={**env, **env_extra})
    assert result.exit_code == ExitCode.USAGE, result.output


def test_watch_shows_a_live_table_until_sigterm(
    env: dict[str, str], names: Names, make_topic: MakeTopic, commit: Commit
) -> None:
    topic = make_topic(names.raw_topic, 1)
    commit(names.enrich_group, topic, {0: 0})
    command = [sys.executable, "-m", "services.lag", "--watch", "--interval", "0.2"]
    watch = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(1.5)
        assert watch.poll() is None, watch.communicate()
        watch.send_signal(signal.SIGTERM)
        stdout, stderr = watch.communicate(timeout=10)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.communicate()
    assert watch.returncode == 0, stderr.decode()
    assert names.enrich_group.encode() in stdout
