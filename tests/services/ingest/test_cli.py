"""Exit codes of every `ingest` and `feeds` command: success, bad usage, Kafka unreachable
(a closed port, short timeouts), and the long-running ones stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.ingest.cli import feeds_app, ingest_app
from shared.errors import ExitCode
from shared.names import Names
from shared.settings import KafkaSettings
from tests.services.ingest.http_fixtures import Reply, ScriptedServer

pytestmark = pytest.mark.integration
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Un</title><link>https://news.example.fr/1</link></item></channel></rss>"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, names: Names) -> dict[str, str]:
    values = {
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_INGEST_STATE_DIR": str(tmp_path / "state"),
        "NEWSWIRE_INGEST_FEEDS_FILE": str(tmp_path / "feeds.json"),
        "NEWSWIRE_FETCH_ALLOW_PRIVATE": "true",  # the test feeds are on 127.0.0.1
        "NEWSWIRE_FETCH_PER_HOST_DELAY_S": "0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch, kafka_settings: KafkaSettings) -> None:
    monkeypatch.setenv("NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS", kafka_settings.bootstrap_servers)


@pytest.fixture
def no_kafka(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("NEWSWIRE_KAFKA_REQUEST_TIMEOUT_MS", "1000")


def ingest(*args: str) -> int:
    return CliRunner().invoke(ingest_app, list(args)).exit_code


def run(*args: str) -> int:
    """In a process of its own: kafka-python leaves sockets behind when it cannot bootstrap."""
    command = [sys.executable, "-c", "from services.cli import main; main()", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    return done.returncode


def feeds(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(feeds_app, list(args), terminal_width=80)
    return result.exit_code, result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from services.cli import main; main()", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(url: str, process: subprocess.Popen[str], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.communicate()[0])
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, then how it ended: exit code and output."""
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return process.returncode, output


# -- ingest file --------------------------------------------------------------------------


@pytest.mark.usefixtures("env", "kafka")
def test_file_ends_0_even_when_some_inputs_are_dead_lettered(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_text(json.dumps({"title": "Un", "url": "https://news.example.fr/1"}) + "\n{bad\n")
    result = CliRunner().invoke(ingest_app, ["file", str(path)], terminal_width=80)
    assert result.exit_code == ExitCode.OK, result.output
    assert "dead-lettered" in result.output
    assert "invalid-json" in result.output


@pytest.mark.usefixtures("env", "kafka")
def test_file_with_a_missing_path_is_usage(tmp_path: Path) -> None:
    assert ingest("file", str(tmp_path / "missing.json")) == ExitCode.USAGE


@pytest.mark.usefixtures("env", "no_kafka")
def test_file_without_kafka_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('{"title": "Un"}')
    assert run("ingest", "file", str(path)) == ExitCode.UNAVAILABLE


# -- ingest serve -------------------------------------------------------------------------


@pytest.mark.usefixtures("env", "kafka")
def test_serve_ends_0_on_sigterm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_INGEST_API_KEY", "k")
    port = free_port()
    process = start("ingest", "serve", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        code, output = stop(process)
    assert code == ExitCode.OK, output


@pytest.mark.usefixtures("env", "kafka")
def test_serve_on_a_port_taken_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_INGEST_API_KEY", "k")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start("ingest", "serve", "--port", str(port))
        output, _ = process.communicate(timeout=60)
    assert process.returncode == ExitCode.FAILED, output
    assert "could not start" in output


@pytest.mark.usefixtures("env", "kafka")
def test_serve_without_an_api_key_is_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWIRE_INGEST_API_KEY", raising=False)
    assert ingest("serve", "--port", str(free_port())) == ExitCode.USAGE


@pytest.mark.usefixtures("env", "no_kafka")
def test_serve_without_kafka_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_INGEST_API_KEY", "k")
    assert run("ingest", "serve", "--port", str(free_port())) == ExitCode.UNAVAILABLE


# -- ingest poll --------------------------------------------------------------------------


@pytest.mark.usefixtures("env", "kafka")
def test_poll_serves_metrics_and_ends_0_on_sigterm(
    monkeypatch: pytest.MonkeyPatch, http_server: ScriptedServer
) -> None:
    http_server.script("/f.rss", Reply(200, {}, FEED))
    assert feeds("add", http_server.url("/f.rss"), "--id", "f")[0] == ExitCode.OK
    port = free_port()
    monkeypatch.setenv("NEWSWIRE_POLL_PORT", str(port))
    process = start("ingest", "poll")
    try:
        wait_for(f"http://127.0.0.1:{port}/metrics", process)
    finally:
        code, output = stop(process)
    assert code == ExitCode.OK, output


@pytest.mark.usefixtures("env", "kafka")
def test_poll_once_with_a_failing_feed_fails(http_server: ScriptedServer) -> None:
    http_server.script("/ok.rss", Reply(200, {}, FEED))
    http_server.script("/down.rss", Reply(500, {}, b"down"))
    for feed_id in ("ok", "down"):
        assert feeds("add", http_server.url(f"/{feed_id}.rss"), "--id", feed_id)[0] == 0
    result = CliRunner().invoke(ingest_app, ["poll", "--once"])
    assert result.exit_code == ExitCode.FAILED
    assert "down: error (http-500)" in result.output
    assert "ok: ok" in result.output


@pytest.mark.usefixtures("env", "kafka")
def test_poll_without_feeds_is_usage() -> None:
    assert ingest("poll", "--once") == ExitCode.USAGE


@pytest.mark.usefixtures("env", "no_kafka")
def test_poll_without_kafka_is_unavailable(http_server: ScriptedServer) -> None:
    assert feeds("add", http_server.url("/f.rss"), "--id", "f")[0] == ExitCode.OK
    assert run("ingest", "poll", "--once") == ExitCode.UNAVAILABLE


# -- feeds (no server involved: a file and the local feed state) ---------------------------


@pytest.mark.usefixtures("env")
def test_feeds_add_remove_and_their_usage_errors() -> None:
    assert feeds("add", "https://news.example.fr/rss", "--id", "fr")[0] == ExitCode.OK
    assert feeds("add", "https://other.example.fr/rss", "--id", "fr")[0] == ExitCode.USAGE
    assert feeds("add", "ftp://news.example.fr/rss")[0] == ExitCode.USAGE
    assert feeds("add", "https://x.example/rss", "--id", "bad id")[0] == ExitCode.USAGE
    assert feeds("remove", "fr")[0] == ExitCode.OK
    assert feeds("remove", "fr")[0] == ExitCode.USAGE


@pytest.mark.usefixtures("env")
def test_feeds_enable_needs_a_known_feed() -> None:
    assert feeds("enable", "fr")[0] == ExitCode.USAGE
    assert feeds("add", "https://news.example.fr/rss", "--id", "fr")[0] == ExitCode.OK
    code, output = feeds("enable", "fr")
    assert code == ExitCode.OK
    assert "fr was not disabled" in output


def test_feeds_list_and_a_broken_feed_list(env: dict[str, str]) -> None:
    code, output = feeds("list")
    assert code == ExitCode.OK
    assert "no feeds yet" in output
    Path(env["NEWSWIRE_INGEST_FEEDS_FILE"]).write_text('[{"url": 5}]')
    code, output = feeds("list")
    assert code == ExitCode.USAGE
    assert "not a valid feed list" in output
