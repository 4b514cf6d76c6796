"""`newswire search` against the real node (no HTTP), and its --since parsing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import typer
from typer.testing import CliRunner

from services.search.cli import parse_since, search_app
from shared.names import Names
from shared.settings import ElasticsearchSettings


def _env(names: Names, es_settings: ElasticsearchSettings) -> dict[str, str]:
    return {"NEWSWIRE_NAMESPACE": names.namespace, "NEWSWIRE_ES_URL": es_settings.url}


def _root() -> typer.Typer:
    # As `newswire` mounts it: root.add_typer(search_app, name="search").
    root = typer.Typer()
    root.add_typer(search_app, name="search")
    return root


@pytest.mark.integration
def test_json_output(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    result = CliRunner().invoke(
        _root(),
        ["search", "arme nucleaire", "--lang", "fr", "--json"],
        env=_env(names, es_settings),
    )
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["total"] == 1
    assert page["hits"][0]["id"] == corpus["fr-arms"]
    assert page["hits"][0]["entities"][1] == {
        "name": "Vladimir Poutine",
        "label": "PER",
        "id": "Q7747",
    }


@pytest.mark.integration
def test_options_and_paging(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    env = _env(names, es_settings)
    runner = CliRunner()
    args = ["search", "--entity", "Q7747", "--sort", "newest", "--size", "1", "--json", ""]
    first = json.loads(runner.invoke(_root(), args, env=env).stdout)
    assert [h["id"] for h in first["hits"]] == [corpus["en-treaties"]]
    second = json.loads(runner.invoke(_root(), [*args, "--cursor", first["next"]], env=env).stdout)
    assert [h["id"] for h in second["hits"]] == [corpus["fr-arms"]]
    assert second["next"] is None
    # A date rather than a duration: the corpus is fixed, the clock is not.
    since = runner.invoke(
        _root(), ["search", "", "--since", "2026-11-21", "--json", "--size", "100"], env=env
    )
    assert {h["id"] for h in json.loads(since.stdout)["hits"]} == {
        corpus["en-treaties"],
        corpus["en-rates"],
        corpus["fr-climate"],
    }
    by_source = runner.invoke(_root(), ["search", "query", "--source", "spiegel.de", ""], env=env)
    assert by_source.exit_code == 0


@pytest.mark.integration
def test_table_output(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    result = CliRunner().invoke(
        _root(),
        ["search", "treaty"],
        env={**_env(names, es_settings), "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Leaders sign two treaties in Geneva" in result.stdout
    assert "2026-11-21 09:00" in result.stdout
    assert "Vladimir Putin" in result.stdout


@pytest.mark.integration
def test_exit_codes(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    runner = CliRunner()
    env = _env(names, es_settings)
    assert runner.invoke(_root(), ["search", "x", "--since", "soon"], env=env).exit_code == 2
    assert runner.invoke(_root(), ["search", "x" * 501], env=env).exit_code == 2
    assert runner.invoke(_root(), ["search", "x", "--cursor", "nope"], env=env).exit_code == 2
    assert runner.invoke(_root(), ["search", "x", "--size", "0"], env=env).exit_code == 2
    down = {**env, "NEWSWIRE_ES_URL": "http://127.0.0.1:1", "NEWSWIRE_ES_REQUEST_TIMEOUT_S": "2"}
    result = runner.invoke(_root(), ["search", "x"], env=down)
    assert result.exit_code == 1
    assert "unreachable" in result.output


def test_parse_since() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(typer.BadParameter):
        parse_since("yesterday", now)


@pytest.mark.integration
def test_serve_stops_cleanly_on_sigterm(names: Names, es_settings: ElasticsearchSettings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "services.search", "serve", "--port", str(port)],
        env={**os.environ, **_env(names, es_settings)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "search API did not come up"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
