"""`newswire up|down|status`: the whole pipeline on this machine, without Docker.

``up`` starts the infrastructure (Kafka, Elasticsearch), creates topics and index, then starts
each service as its own process (logs in ``<state>/logs/<service>.log``), waits until each
answers on its port, and imports the bundled samples. ``down`` stops the services (SIGTERM:
each flushes and commits) and then the infrastructure. Running ``up`` twice is harmless.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from services.infra import runner
from services.infra.processes import alive, read_state, spawn, stop, tail, write_state
from services.infra.settings import InfraSettings

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    args: tuple[str, ...]  # after `python -c "from services.cli import main; main()"`
    port: int
    health_path: str


SERVICES = (
    ServiceSpec("enrich", ("enrich", "--web-port", "6066"), 6066, "/metrics"),
    ServiceSpec("indexer", ("index",), 8001, "/metrics"),
    ServiceSpec("ingest-api", ("ingest", "serve", "--port", "8000"), 8000, "/healthz"),
    ServiceSpec("search", ("search", "serve", "--port", "8080"), 8080, "/healthz"),
    ServiceSpec("lag", ("lag", "serve", "--port", "9308"), 9308, "/metrics"),
)


def _stack_file(settings: InfraSettings) -> Path:
    return settings.state_dir / "stack.json"


def api_key(settings: InfraSettings) -> str:
    """The push endpoint's key for the local stack: NEWSWIRE_INGEST_API_KEY, else one generated
    once and kept in the state dir (mode 0600)."""
    if os.environ.get("NEWSWIRE_INGEST_API_KEY"):
        return os.environ["NEWSWIRE_INGEST_API_KEY"]
    path = settings.state_dir / "ingest-api-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def environment(settings: InfraSettings) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap)
    env.setdefault("NEWSWIRE_ES_URL", settings.es_url)
    env.setdefault("NEWSWIRE_INDEXER_PORT", "8001")
    env.setdefault("NEWSWIRE_INGEST_STATE_DIR", str(settings.state_dir / "ingest"))
    env.setdefault("NEWSWIRE_ENRICH_DATA_DIR", str(settings.state_dir / "enrich"))
    env["NEWSWIRE_INGEST_API_KEY"] = api_key(settings)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _newswire(*args: str) -> list[str]:
    return [sys.executable, "-c", "from services.cli import main; main()", *args]


def _healthy(spec: ServiceSpec) -> bool:
    url = f"http://127.0.0.1:{spec.port}{spec.health_path}"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _start(spec: ServiceSpec, settings: InfraSettings, env: dict[str, str]) -> int:
    return spawn(_newswire(*spec.args), settings.logs_dir / f"{spec.name}.log", env)


def up(settings: InfraSettings, timeout_s: float = 240.0) -> dict[str, dict[str, object]]:
    runner.up(settings)
    env = environment(settings)
    setup = subprocess.run(
        _newswire("setup"), cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if setup.returncode != 0:
        raise RuntimeError(f"newswire setup failed:\n{setup.stderr}")
    state = read_state(_stack_file(settings))
    for spec in SERVICES:
        current = state.get(spec.name, {})
        if alive(current.get("pid")) and _healthy(spec):
            continue
        pid = _start(spec, settings, env)
        state[spec.name] = {
            "pid": pid,
            "port": spec.port,
            "log": str(settings.logs_dir / f"{spec.name}.log"),
        }
        write_state(_stack_file(settings), state)
    deadline = time.monotonic() + timeout_s
    waiting = list(SERVICES)
    while waiting and time.monotonic() < deadline:
        for spec in list(waiting):
            pid = state[spec.name]["pid"]
            if not alive(pid):
                log_path = Path(str(state[spec.name]["log"]))
                raise RuntimeError(f"{spec.name} exited during start-up:\n{tail(log_path)}")
            if _healthy(spec):
                waiting.remove(spec)
        time.sleep(0.5)
    if waiting:
        raise RuntimeError(f"not healthy after {timeout_s:.0f}s: {[s.name for s in waiting]}")
    return status(settings)


def status(settings: InfraSettings) -> dict[str, dict[str, object]]:
    state = read_state(_stack_file(settings))
    result: dict[str, dict[str, object]] = {}
    for spec in SERVICES:
        current = state.get(spec.name, {})
        pid = current.get("pid")
        result[spec.name] = {
            "pid": pid if alive(pid) else None,
            "running": alive(pid),
            "healthy": _healthy(spec),
            "url": f"http://127.0.0.1:{spec.port}",
            "log": current.get("log", str(settings.logs_dir / f"{spec.name}.log")),
        }
    return result


def down(settings: InfraSettings) -> list[str]:
    state = read_state(_stack_file(settings))
    stopped: list[str] = []
    for spec in reversed(SERVICES):  # producers of work last in, first out
        pid = state.get(spec.name, {}).get("pid")
        if pid and alive(pid):
            killed = stop(pid, settings.stop_timeout_s)
            stopped.append(f"{spec.name} (pid {pid}{', killed' if killed else ''})")
        state.pop(spec.name, None)
    write_state(_stack_file(settings), state)
    stopped += runner.down(settings)
    return stopped


SAMPLES = REPO / "samples"


def import_samples(env: dict[str, str]) -> None:
    """Feed the bundled sample feeds and articles through `newswire ingest file`."""
    subprocess.run(
        _newswire("ingest", "file", str(SAMPLES / "feeds"), str(SAMPLES / "articles")),
        cwd=REPO,
        env=env,
        check=False,
    )


def print_lag(env: dict[str, str]) -> None:
    subprocess.run(_newswire("lag"), cwd=REPO, env=env, check=False)
