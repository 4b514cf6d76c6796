"""`infra up|down|status`: start, stop and describe the local Kafka broker and ES node.

``up`` is idempotent: a server already running and healthy is left alone. Both servers are
handled by the same code, each through its ``_Server`` description.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from services.infra import es_server, kafka_server
from services.infra.processes import alive, port_open, read_state, stop, write_state
from services.infra.settings import InfraSettings

log = logging.getLogger(__name__)

KAFKA, ES = "kafka", "elasticsearch"  # also their keys in the state file


@dataclass(frozen=True, slots=True)
class ServerStatus:
    name: str
    version: str
    pid: int | None
    running: bool
    healthy: bool
    address: str
    logs: list[str]


@dataclass(frozen=True, slots=True)
class _Server:
    name: str
    version: str
    port: int
    port_env: str  # the setting that moves it elsewhere, named when its port is taken
    address: str
    logs: list[str]
    healthy: Callable[[InfraSettings], bool]
    start: Callable[[InfraSettings], int]
    pid_file_pid: Callable[[InfraSettings], int | None]  # what the server itself wrote, if any

    def pid(self, settings: InfraSettings, state: dict[str, Any]) -> int | None:
        recorded: int | None = state.get(self.name, {}).get("pid")
        return self.pid_file_pid(settings) or recorded


def _servers(settings: InfraSettings) -> list[_Server]:
    kafka_paths = kafka_server.KafkaPaths.of(settings)
    es_paths = es_server.EsPaths.of(settings)
    return [
        _Server(
            name=KAFKA,
            version=settings.kafka_version,
            port=settings.kafka_port,
            port_env="NEWSWIRE_INFRA_KAFKA_PORT",
            address=settings.kafka_bootstrap,
            logs=[str(kafka_paths.server_log), str(kafka_paths.stdout_log)],
            healthy=kafka_server.healthy,
            start=kafka_server.start,
            pid_file_pid=lambda _settings: None,  # started by us: the state file has its pid
        ),
        _Server(
            name=ES,
            version=settings.es_version,
            port=settings.es_port,
            port_env="NEWSWIRE_INFRA_ES_PORT",
            address=settings.es_url,
            logs=[str(es_paths.server_log), str(es_paths.stdout_log)],
            healthy=es_server.healthy,
            start=es_server.start,
            pid_file_pid=es_server.read_pid,  # it daemonises itself
        ),
    ]


def _server(settings: InfraSettings, name: str) -> _Server:
    (server,) = [s for s in _servers(settings) if s.name == name]
    return server


def status(settings: InfraSettings) -> list[ServerStatus]:
    state = read_state(settings.state_file)
    statuses = []
    for server in _servers(settings):
        pid = server.pid(settings, state)
        statuses.append(
            ServerStatus(
                name=server.name,
                version=state.get(server.name, {}).get("version", server.version),
                pid=pid if alive(pid) else None,
                running=alive(pid),
                healthy=server.healthy(settings),
                address=server.address,
                logs=server.logs,
            )
        )
    return statuses


def _start(settings: InfraSettings, server: _Server, state: dict[str, Any]) -> dict[str, Any]:
    """The server's state entry: as it was when it already runs healthy, else a new start's."""
    pid = server.pid(settings, state)
    if alive(pid) and server.healthy(settings):
        log.info("%s already running pid=%s", server.name, pid)
        return dict(state.get(server.name, {}), pid=pid)
    if port_open(server.port):
        raise RuntimeError(
            f"port {server.port} is taken by another process: stop it or set {server.port_env}"
        )
    pid = server.start(settings)
    return {"pid": pid, "version": server.version, "port": server.port}


def up(settings: InfraSettings) -> list[ServerStatus]:
    """Start whatever is not running (both servers in parallel); return when both are healthy."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    state = read_state(settings.state_file)
    servers = _servers(settings)
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        futures = {s.name: pool.submit(_start, settings, s, state) for s in servers}
        errors: list[str] = []
        for name, future in futures.items():
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
    for server in _servers(settings):
        pid = server.pid(settings, state)
        if pid and alive(pid):
            killed = stop(pid, settings.stop_timeout_s)
            stopped.append(f"{server.name} (pid {pid}{', killed' if killed else ''})")
        state.pop(server.name, None)
    write_state(settings.state_file, state)
    return stopped


def stop_server(settings: InfraSettings, name: str) -> bool:
    """Stop one server ("kafka" or "elasticsearch"); True if it was running."""
    pid = _server(settings, name).pid(settings, read_state(settings.state_file))
    if not (pid and alive(pid)):
        return False
    stop(pid, settings.stop_timeout_s)
    return True


def start_server(settings: InfraSettings, name: str) -> None:
    """Start one server again (after ``stop_server``) and record it; returns once healthy."""
    state = read_state(settings.state_file)
    state[name] = _start(settings, _server(settings, name), state)
    write_state(settings.state_file, state)
