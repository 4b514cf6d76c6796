"""docker-compose.yml validated by a real Compose implementation (Debian's docker-compose, which
needs no engine for `config`), plus the wiring rules we hold it to."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def _resolved() -> dict[str, Any]:
    docker_compose = shutil.which("docker-compose")
    if docker_compose is None:
        pytest.fail("docker-compose is missing: run scripts/bootstrap (Debian docker-compose)")
    done = subprocess.run(
        [docker_compose, "-f", str(COMPOSE), "config"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = yaml.safe_load(done.stdout)
    return config


def test_compose_file_is_valid() -> None:
    services = _resolved()["services"]
    assert {"kafka", "elasticsearch"} <= set(services)


def test_dependencies_wait_for_healthy_services() -> None:
    services = _resolved()["services"]
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert rule == {"condition": "service_healthy"}, (name, dependency)
            assert "healthcheck" in services[dependency], dependency


def test_same_versions_as_local_runner() -> None:
    from services.infra.settings import InfraSettings

    settings = InfraSettings()
    services = _resolved()["services"]
    assert services["kafka"]["image"] == f"apache/kafka:{settings.kafka_version}"
    assert services["elasticsearch"]["image"].endswith(f"elasticsearch:{settings.es_version}")
    assert services["elasticsearch"]["environment"]["xpack.security.enabled"] == "false"
