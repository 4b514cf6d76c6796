"""A dedup worker as a process of its own (``python -m services.dedup``), for the tests that
need the real stage: started, stopped, killed, restarted on one data dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from shared.kafka import make_producer
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Worker:
    def __init__(self, names: Names, kafka: KafkaSettings, data_dir: Path, log: Path) -> None:
        self.env = {
            **os.environ,
            "NEWSWIRE_NAMESPACE": names.namespace,
            "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "NEWSWIRE_DEDUP_DATA_DIR": str(data_dir),
            "NEWSWIRE_DEDUP_PORT": str(free_port()),
            "NEWSWIRE_DEDUP_BATCH_WITHIN_S": "0.05",
            # A killed worker's partitions move to its successor once its session expires.
            "NEWSWIRE_DEDUP_SESSION_TIMEOUT_S": "6",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.dedup"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -9

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def send(kafka: KafkaSettings, topic: str, values: list[tuple[bytes, bytes]]) -> None:
    producer = make_producer(kafka)
    for key, value in values:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def wait_for(
    kafka: KafkaSettings, topic: str, count: int, worker: Worker, timeout_s: float = 90
) -> list[Any]:
    deadline = time.monotonic() + timeout_s
    records: list[Any] = []
    while time.monotonic() < deadline:
        records = read_all(kafka, topic)
        if len(records) >= count:
            return records
        assert worker.running(), worker.text()
        time.sleep(0.5)
    raise AssertionError(f"{len(records)} of {count} records on {topic}\n{worker.text()}")


def versions(records: list[Any]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for record in records:
        article = RawArticle.from_json(record.value)
        out.setdefault(article.id, []).append(article.version)
    return out
