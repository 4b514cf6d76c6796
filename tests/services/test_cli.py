"""`newswire setup` against the real servers: topics, index and aliases, idempotently; its exit
codes; and the README's exit-code table, which must be ``shared.errors.ExitCode``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from shared.errors import ExitCode
from shared.kafka import make_admin
from shared.names import Names
from shared.settings import KafkaSettings


@pytest.mark.integration
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
    assert "warning" not in done.stderr
    admin = make_admin(kafka_settings)
    try:
        assert {names.incoming_topic, *names.topics()} <= set(admin.list_topics())
    finally:
        admin.close()
    aliases = es.indices.get_alias(name=names.write_alias)
    assert len(aliases) == 1
    assert es.indices.exists_alias(name=names.read_alias)

    # Asked for more replicas than the topics have: setup cannot change that, says so, and
    # still succeeds (nothing to create on this one-broker cluster).
    done = subprocess.run(
        command,
        env={**env, "NEWSWIRE_KAFKA_REPLICATION_FACTOR": "2"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == ExitCode.OK, done.stderr
    assert "4 existing topic(s) replicated below the settings" in done.stderr
    assert "still exits 0" in done.stderr
    wanted = "replication factor 1 (wanted 2)"
    for topic in (names.incoming_topic, *names.topics()):
        assert f"{topic}: {wanted}" in done.stderr


def readme_exit_codes() -> list[tuple[str, int]]:
    """(name, code) of each row of the README's exit-code table."""
    lines = (Path(__file__).resolve().parents[2] / "README.md").read_text().splitlines()
    start = lines.index("| code | name | meaning |")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        code, name, _meaning = (cell.strip() for cell in line.strip("|").split("|", 2))
        rows.append((name.strip("`"), int(code)))
    return rows


def test_the_readme_exit_code_table_is_exit_code() -> None:
    assert readme_exit_codes() == [(code.name, code.value) for code in ExitCode]


def run_setup(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from services.cli import main; main()", "setup"]
    return subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def test_setup_with_bad_settings_exits_2() -> None:
    done = run_setup({"NEWSWIRE_KAFKA_PARTITIONS": "0"})
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert "invalid settings" in done.stderr


@pytest.mark.integration
@pytest.mark.parametrize("server", ["kafka", "es"])
def test_setup_with_a_server_unreachable_exits_3(
    kafka_settings: KafkaSettings, names: Names, server: str
) -> None:
    env = {
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        "NEWSWIRE_KAFKA_REQUEST_TIMEOUT_MS": "1000",
    }
    if server == "kafka":
        env["NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"
    else:
        env["NEWSWIRE_ES_URL"] = "http://127.0.0.1:1"
    started = time.monotonic()
    done = run_setup(env)
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert "setup failed" in done.stderr
    assert time.monotonic() - started < 30
    if server == "es":  # the topics came first, and stay: setup is idempotent
        admin = make_admin(kafka_settings)
        try:
            assert set(names.topics()) <= set(admin.list_topics())
        finally:
            admin.close()
