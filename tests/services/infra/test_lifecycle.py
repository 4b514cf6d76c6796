"""A second, throw-away pair of servers on free ports: up from the cache, up again, down, and
nothing left behind (no process, no listening port)."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator

import pytest

from services.infra import runner
from services.infra.processes import alive, port_open
from services.infra.settings import InfraSettings

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def private_infra(infra: InfraSettings) -> Iterator[InfraSettings]:
    # Same cache (no second download), own state dir and ports.
    settings = infra.model_copy(
        update={
            "state_dir": infra.state_dir / f"lifecycle-{uuid.uuid4().hex[:8]}",
            "kafka_port": _free_port(),
            "kafka_controller_port": _free_port(),
            "es_port": _free_port(),
            "es_transport_port": _free_port(),
        }
    )
    yield settings
    runner.down(settings)
    shutil.rmtree(settings.state_dir, ignore_errors=True)


def test_up_up_down_leaves_nothing_running(private_infra: InfraSettings) -> None:
    settings = private_infra
    first = {s.name: s for s in runner.up(settings)}
    assert all(s.healthy for s in first.values())
    pids = {name: s.pid for name, s in first.items()}
    assert all(pids.values())

    second = {s.name: s.pid for s in runner.up(settings)}
    assert second == pids  # already running: left alone

    stopped = runner.down(settings)
    assert len(stopped) == 2
    assert not any(alive(pid) for pid in pids.values())
    for port in (settings.kafka_port, settings.kafka_controller_port, settings.es_port):
        assert not port_open(port)
    assert not any(s.running or s.healthy for s in runner.status(settings))
    assert runner.down(settings) == []  # nothing left to stop
