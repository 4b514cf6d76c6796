"""Running the services as real processes for end-to-end tests (own namespace, free ports)."""

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
from typing import Any

from shared.names import Names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Pipeline:
    """The services of one namespace, each a `newswire ...` process logging to a file."""

    def __init__(self, names: Names, bootstrap: str, es_url: str, workdir: Path) -> None:
        self.names = names
        self.workdir = workdir
        self.ports = {
            "dedup": free_port(),
            "enrich": free_port(),
            "enrich-2": free_port(),
            "search": free_port(),
            "ingest": free_port(),
        }
        self.env = {
            **os.environ,
            "NEWSWIRE_NAMESPACE": names.namespace,
            "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "NEWSWIRE_ES_URL": es_url,
            "NEWSWIRE_INGEST_STATE_DIR": str(workdir / "ingest-state"),
            "NEWSWIRE_INGEST_FEEDS_FILE": str(workdir / "feeds.json"),
            "NEWSWIRE_INGEST_API_KEY": "e2e-key",
            "NEWSWIRE_FETCH_ALLOW_PRIVATE": "true",
            "NEWSWIRE_FETCH_PER_HOST_DELAY_S": "0.05",
            "NEWSWIRE_ENRICH_DATA_DIR": str(workdir / "enrich"),
            "NEWSWIRE_DEDUP_DATA_DIR": str(workdir / "dedup"),
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", "from services.cli import main; main()", *args]

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, name: str) -> None:
        args = {
            "dedup": ("dedup", "--port", str(self.ports["dedup"])),
            "enrich": ("enrich", "--web-port", str(self.ports["enrich"])),
            "enrich-2": ("enrich", "--web-port", str(self.ports["enrich-2"])),
            "indexer": ("index",),
            "search": ("search", "serve", "--port", str(self.ports["search"])),
            "ingest": ("ingest", "serve", "--port", str(self.ports["ingest"])),
        }[name]
        with (self.workdir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                self.command(*args), env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.kill()
        process.wait(timeout=30)

    def stop(self, name: str, timeout: float = 60) -> int:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return -9

    def stop_all(self) -> dict[str, int]:
        return {name: self.stop(name) for name in list(self.processes)}

    def get(self, name: str, path: str) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.ports[name]}{path}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except OSError:
            return 0, None

    def wait_healthy(self, name: str, path: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited {process.returncode}:\n{self.log(name)}")
            url = f"http://127.0.0.1:{self.ports[name]}{path}"
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{name} not healthy in {timeout}s:\n{self.log(name)}")
