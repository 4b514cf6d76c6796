"""`newswire infra up|down|status|smoke` and `newswire up|down|status`: their exit codes, and
their tables in an 80-column terminal.

The running Kafka and Elasticsearch are never stopped or started here: every command that could
is given a state folder of its own, checked before it runs, and the functions that start or
stop a process fail the test if they are reached."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli import build
from services.infra import es_server, kafka_server, stack
from services.infra.settings import InfraSettings
from shared.errors import ExitCode


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(build(), args, env={"COLUMNS": "80", **(env or {})})
    return result.exit_code, result.output


def fits(output: str, columns: int = 80) -> bool:
    return all(len(line.rstrip()) <= columns for line in output.splitlines())


def forbidden(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("a test of the CLI must not start or stop a process")


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InfraSettings:
    """Settings of a local infrastructure that is not there: own folders, closed ports."""
    monkeypatch.setenv("NEWSWIRE_INFRA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NEWSWIRE_INFRA_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "ES_PORT", "ES_TRANSPORT_PORT"):
        monkeypatch.setenv(f"NEWSWIRE_INFRA_{name}", str(free_port()))
    for service in stack.SERVICES:
        monkeypatch.setenv(service.port_env, str(free_port()))
    for module, name in ((kafka_server, "start"), (es_server, "start")):
        monkeypatch.setattr(module, name, forbidden)
    monkeypatch.setattr("services.infra.runner.stop", forbidden)
    monkeypatch.setattr("services.infra.stack.stop", forbidden)
    monkeypatch.setattr("services.infra.stack.spawn", forbidden)
    settings = InfraSettings()
    assert settings.state_dir == tmp_path / "state"  # not the real servers' state
    return settings


def test_status_of_nothing_running_exits_1(isolated: InfraSettings) -> None:
    for args in (["infra", "status"], ["status"]):
        code, output = run(args)
        assert code == ExitCode.FAILED, output
        assert "down" in output
        assert fits(output)


def test_down_with_nothing_running_exits_0(isolated: InfraSettings) -> None:
    for args in (["infra", "down"], ["down"]):
        code, output = run(args)
        assert code == ExitCode.OK, output
        assert "nothing was running" in output


def test_up_that_cannot_start_exits_1(
    isolated: InfraSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(_settings: InfraSettings) -> int:
        raise RuntimeError("Maven (mvn) not found on PATH: install Maven 3")

    monkeypatch.setattr(kafka_server, "start", fails)
    monkeypatch.setattr(es_server, "start", fails)
    for args in (["infra", "up"], ["up"]):
        code, output = run(args)
        assert code == ExitCode.FAILED, output
        assert "Maven (mvn) not found" in output


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["infra", "status"], {"NEWSWIRE_INFRA_KAFKA_PORT": "0"}),
        (["infra", "up"], {"NEWSWIRE_INFRA_ES_PORT": "99999"}),
        (["infra", "down"], {"NEWSWIRE_INFRA_STOP_TIMEOUT_S": "-1"}),
        (["status"], {"NEWSWIRE_INFRA_START_TIMEOUT_S": "0"}),
        (["infra", "smoke"], {"NEWSWIRE_INFRA_KAFKA_PORT": "x"}),
        (["infra", "status", "--nope"], {}),
        (["up", "--nope"], {}),
    ],
)
def test_bad_usage_exits_2(isolated: InfraSettings, args: list[str], env: dict[str, str]) -> None:
    code, output = run(args, env)
    assert code == ExitCode.USAGE, output


def test_smoke_with_the_servers_unreachable_exits_3(isolated: InfraSettings) -> None:
    code, output = run(["infra", "smoke"])
    assert code == ExitCode.UNAVAILABLE, output
    assert "Kafka does not answer" in output


@pytest.mark.integration
def test_smoke_and_status_of_the_running_servers(infra: InfraSettings) -> None:
    code, output = run(["infra", "smoke"])
    assert code == ExitCode.OK, output
    assert "'arme nucleaire' found" in output
    code, output = run(["infra", "status"])
    assert code == ExitCode.OK, output
    assert fits(output)
    assert {"kafka", "elasticsearch", "healthy", "kafka/server.log,"} <= set(output.split())
    assert f"logs in {infra.logs_dir}/:" in output
    code, output = run(["infra", "status", "--json"])
    assert {s["name"]: s["healthy"] for s in json.loads(output)} == {
        "kafka": True,
        "elasticsearch": True,
    }


@pytest.mark.integration
def test_newswire_status_at_80_columns(
    infra: InfraSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real servers, but a state folder of its own: its services are not running.
    monkeypatch.setenv("NEWSWIRE_INFRA_STATE_DIR", str(tmp_path))
    for service in stack.SERVICES:
        monkeypatch.setenv(service.port_env, str(free_port()))
    code, output = run(["status"])
    assert code == ExitCode.FAILED, output  # the services are down
    assert fits(output)
    tokens = set(output.split())
    assert {s.name for s in stack.SERVICES} <= tokens
    assert {s.url for s in stack.SERVICES} <= tokens  # addresses whole, on their probed port
    assert "enrich.log," in tokens
    assert f"logs in {tmp_path / 'logs'}/:" in output
