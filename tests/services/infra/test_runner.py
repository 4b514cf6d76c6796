"""The local infrastructure as the session fixture left it: both servers real and healthy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from services.infra import runner
from services.infra.es_server import request
from services.infra.settings import InfraSettings

pytestmark = pytest.mark.integration


def test_status_reports_both_servers_healthy(infra: InfraSettings) -> None:
    statuses = {s.name: s for s in runner.status(infra)}
    assert statuses["kafka"].healthy
    assert statuses["kafka"].pid
    assert statuses["elasticsearch"].healthy
    assert statuses["elasticsearch"].pid
    assert statuses["elasticsearch"].version == infra.es_version
    info = request(infra, "/_nodes/_local/plugins")
    nodes = info["nodes"]
    assert isinstance(nodes, dict)
    (node,) = nodes.values()
    assert node["version"] == infra.es_version
    plugins = {p["name"] for p in node["plugins"]}
    assert "newswire-analysis" in plugins


def test_up_twice_is_harmless(infra: InfraSettings) -> None:
    before = {s.name: s.pid for s in runner.status(infra)}
    after = {s.name: s.pid for s in runner.up(infra)}
    assert after == before


def test_cli_status_json(infra: InfraSettings) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.infra", "status", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reported = {s["name"]: s for s in json.loads(done.stdout)}
    assert set(reported) == {"kafka", "elasticsearch"}
    assert all(s["healthy"] for s in reported.values())
    assert all(s["logs"] for s in reported.values())
