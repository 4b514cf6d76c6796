"""`infra up|down|status`: start, stop and describe the local Kafka broker and ES node.

``up`` is idempotent: a server already running and healthy is left alone.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from services.infra import es_server, kafka_server
from services.infra.processes import alive, read_state, stop, write_state
from services.infra.settings import InfraSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerStatus:
    name: str
    version: str
    pid: int | None
    running: bool
    healthy: bool
    address: str
    logs: list[str]


def status(settings: InfraSettings) -> list[ServerStatus]:
    state = read_state(settings.state_file)
    kafka = state.get("kafka", {})
    es = state.get("elasticsearch", {})
    kafka_paths = kafka_server.KafkaPaths.of(settings)
    es_paths = es_server.EsPaths.of(settings)
    kafka_pid = kafka.get("pid")
    es_pid = es_server.read_pid(settings) or es.get("pid")
    return [
        ServerStatus(
            name="kafka",
            version=kafka.get("version", settings.kafka_version),
            pid=kafka_pid if alive(kafka_pid) else None,
            running=alive(kafka_pid),
            healthy=kafka_server.healthy(settings),
            address=settings.kafka_bootstrap,
            logs=[str(kafka_paths.server_log), str(kafka_paths.stdout_log)],
        ),
        ServerStatus(
            name="elasticsearch",
            version=es.get("version", settings.es_version),
            pid=es_pid if alive(es_pid) else None,
            running=alive(es_pid),
            healthy=es_server.healthy(settings),
            address=settings.es_url,
            logs=[str(es_paths.server_log), str(es_paths.stdout_log)],
        ),
    ]


def _start_kafka(settings: InfraSettings, state: dict[str, Any]) -> dict[str, Any]:
    current = state.get("kafka", {})
    if alive(current.get("pid")) and kafka_server.healthy(settings):
        log.info("kafka already running pid=%s", current["pid"])
        return dict(current)
    if kafka_server.port_open(settings.kafka_port):
        raise RuntimeError(
            f"port {settings.kafka_port} is taken by another process: stop it or set "
            "NEWSWIRE_INFRA_KAFKA_PORT"
        )
    pid = kafka_server.start(settings)
    return {"pid": pid, "version": settings.kafka_version, "port": settings.kafka_port}


def _start_es(settings: InfraSettings, state: dict[str, Any]) -> dict[str, Any]:
    pid = es_server.read_pid(settings)
    if alive(pid) and es_server.healthy(settings):
        log.info("elasticsearch already running pid=%s", pid)
        return dict(state.get("elasticsearch", {}), pid=pid)
    if kafka_server.port_open(settings.es_port):
        raise RuntimeError(
            f"port {settings.es_port} is taken by another process: stop it or set "
            "NEWSWIRE_INFRA_ES_PORT"
        )
    pid = es_server.start(settings)
    return {"pid": pid, "version": settings.es_version, "port": settings.es_port}


def up(settings: InfraSettings) -> list[ServerStatus]:
    """Start whatever is not running (both servers in parallel); return when both are healthy."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    state = read_state(settings.state_file)
    with ThreadPoolExecutor(max_workers=2) as pool:
        es_future = pool.submit(_start_es, settings, state)
        kafka_future = pool.submit(_start_kafka, settings, state)
        errors: list[str] = []
        for name, future in (("kafka", kafka_future), ("elasticsearch", es_future)):
            try:
                state[name] = future.result()
            except Exception as exc:  # report both failures, not just the first
                errors.append(f"{name}: {exc}")
    write_state(settings.state_file, state)
    if errors:
        raise RuntimeError("\n\n".join(errors))
    return status(settings)


def down(settings: InfraSettings) -> list[str]:
    """Stop both servers (SIGTERM, then SIGKILL after the timeout); return what was stopped."""
    state = read_state(settings.state_file)
    stopped: list[str] = []
    pids = {
        "kafka": state.get("kafka", {}).get("pid"),
        "elasticsearch": es_server.read_pid(settings) or state.get("elasticsearch", {}).get("pid"),
    }
    for name, pid in pids.items():
        if pid and alive(pid):
            killed = stop(pid, settings.stop_timeout_s)
            stopped.append(f"{name} (pid {pid}{', killed' if killed else ''})")
        state.pop(name, None)
    write_state(settings.state_file, state)
    return stopped


def stop_server(settings: InfraSettings, name: str) -> bool:
    """Stop one server ("kafka" or "elasticsearch"); True if it was running."""
    state = read_state(settings.state_file)
    pid = (
        state.get("kafka", {}).get("pid")
        if name == "kafka"
        else es_server.read_pid(settings) or state.get("elasticsearch", {}).get("pid")
    )
    if not (pid and alive(pid)):
        return False
    stop(pid, settings.stop_timeout_s)
    return True


def start_server(settings: InfraSettings, name: str) -> None:
    """Start one server again (after ``stop_server``) and record it; returns once healthy."""
    state = read_state(settings.state_file)
    state[name] = _start_kafka(settings, state) if name == "kafka" else _start_es(settings, state)
    write_state(settings.state_file, state)
