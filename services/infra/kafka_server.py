"""The local Kafka broker: KRaft, combined broker + controller, one node on 127.0.0.1."""

from __future__ import annotations

import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from services.infra import fetch
from services.infra.java import find_jdk
from services.infra.processes import ServerPaths, port_open, spawn, stop, tail
from services.infra.settings import InfraSettings

log = logging.getLogger(__name__)

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kafka"


@dataclass(frozen=True, slots=True)
class KafkaPaths(ServerPaths):
    @classmethod
    def of(cls, settings: InfraSettings) -> KafkaPaths:
        return cls.under(settings, "kafka")

    @property
    def config(self) -> Path:
        return self.root / "server.properties"


def _java(settings: InfraSettings, libs: Path, paths: KafkaPaths, *args: str) -> list[str]:
    jdk = find_jdk(17, settings.kafka_java_home)
    return [
        str(jdk / "bin" / "java"),
        f"-Xms{settings.kafka_heap}",
        f"-Xmx{settings.kafka_heap}",
        f"-Dlog4j2.configurationFile={DEPLOY / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={paths.logs}",
        "-cp",
        f"{libs}/*",
        *args,
    ]


def _write_config(settings: InfraSettings, paths: KafkaPaths) -> None:
    template = (DEPLOY / "server.properties.in").read_text()
    config = (
        template.replace("@KAFKA_PORT@", str(settings.kafka_port))
        .replace("@CONTROLLER_PORT@", str(settings.kafka_controller_port))
        .replace("@DATA_DIR@", str(paths.data))
    )
    paths.config.write_text(config)


def _format_storage(settings: InfraSettings, libs: Path, paths: KafkaPaths) -> None:
    """Format the KRaft log dir once (StorageTool calls exit(), so it gets its own JVM)."""
    if (paths.data / "meta.properties").exists():
        return
    cluster_id = subprocess.run(
        _java(settings, libs, paths, "kafka.tools.StorageTool", "random-uuid"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    done = subprocess.run(
        _java(
            settings,
            libs,
            paths,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(paths.config),
            "--standalone",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"formatting Kafka storage failed:\n{done.stdout}{done.stderr}")


def healthy(settings: InfraSettings) -> bool:
    """The broker answers a metadata request (not just an open port)."""
    if not port_open(settings.kafka_port):
        return False
    from kafka import KafkaAdminClient  # heavy import, only when probing

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=5_000
        )
    except Exception as exc:  # any client failure means "not healthy (yet)"
        log.debug("kafka health probe failed: %r", exc)
        return False
    try:
        admin.list_topics()
        return True
    except Exception as exc:
        log.debug("kafka health probe failed: %r", exc)
        return False
    finally:
        admin.close()


def start(settings: InfraSettings) -> int:
    """Fetch (cached), configure, format and start the broker; return its pid once healthy."""
    libs = fetch.kafka_libs(settings)
    paths = KafkaPaths.of(settings)
    for directory in (paths.home, paths.data, paths.logs):
        directory.mkdir(parents=True, exist_ok=True)
    _write_config(settings, paths)
    _format_storage(settings, libs, paths)
    pid = spawn(_java(settings, libs, paths, "kafka.Kafka", str(paths.config)), paths.stdout_log)
    deadline = time.monotonic() + settings.start_timeout_s
    while time.monotonic() < deadline:
        exited, status = os.waitpid(pid, os.WNOHANG)
        if exited == pid:
            raise RuntimeError(
                f"Kafka exited with code {os.waitstatus_to_exitcode(status)} during start-up.\n"
                f"--- {paths.server_log} ---\n{tail(paths.server_log)}\n"
                f"--- {paths.stdout_log} ---\n{tail(paths.stdout_log)}"
            )
        if healthy(settings):
            log.info("kafka up pid=%s port=%s", pid, settings.kafka_port)
            return pid
        time.sleep(0.5)
    stop(pid, settings.stop_timeout_s)
    raise RuntimeError(
        f"Kafka not healthy after {settings.start_timeout_s:.0f}s.\n"
        f"--- {paths.server_log} ---\n{tail(paths.server_log)}"
    )
