"""The enrich worker as a process against the real broker (``enrich_worker.py``: the service
with stand-in models): SIGTERM stops it with 0 after committing what it enriched; outputs Kafka
keeps refusing stop it with 3, and the offsets of the refused batch stay uncommitted."""

from __future__ import annotations

import os
import random
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType

from shared.errors import ExitCode
from shared.kafka import ensure_topics, make_admin, make_producer
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all
from tests.services.enrich.articles import article

pytestmark = pytest.mark.integration
WORKER = Path(__file__).with_name("enrich_worker.py")
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def committed(kafka: KafkaSettings, names: Names) -> dict[int, int]:
    """The enrich group's committed offset per raw partition."""
    admin = make_admin(kafka)
    try:
        offsets = admin.list_group_offsets(names.enrich_group).get(names.enrich_group, {})
    finally:
        admin.close()
    return {
        tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == names.raw_topic
    }


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}")
        time.sleep(0.5)


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait(self, timeout_s: float) -> int:
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the worker did not exit:\n{self.output()}") from None


@pytest.fixture
def start_worker(
    kafka_settings: KafkaSettings, names: Names, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    ensure_topics(kafka_settings, names.topics())
    started: list[Worker] = []

    def start(*args: str, **env: str) -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, str(WORKER), *args],
                env={
                    **os.environ,
                    "NEWSWIRE_NAMESPACE": names.namespace,
                    "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
                    "NEWSWIRE_ENRICH_DATA_DIR": str(tmp_path / "faust"),
                    **env,
                },
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(Worker(process, log))
        return started[-1]

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


@pytest.fixture
def producer(kafka_settings: KafkaSettings) -> Iterator[KafkaProducer]:
    producer = make_producer(kafka_settings)
    yield producer
    producer.close()


def send(producer: KafkaProducer, topic: str, *articles: RawArticle) -> None:
    for one in articles:  # one partition: the offsets below are the articles' order
        producer.send(topic, key=one.id.encode(), value=one.to_json(), partition=0)
    producer.flush()


def test_sigterm_stops_the_worker_with_0_after_committing_what_it_enriched(
    start_worker: Callable[..., Worker],
    producer: KafkaProducer,
    kafka_settings: KafkaSettings,
    names: Names,
    tmp_path: Path,
) -> None:
    port = free_port()
    worker = start_worker("--web-port", str(port))  # the old name of --port still works
    first, second = article(1), article(2)
    send(producer, names.raw_topic, first, second)
    wait_for(
        lambda: len(read_all(kafka_settings, names.enriched_topic, timeout_s=5)) == 2,
        90,
        "both articles enriched",
    )
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait(60) == ExitCode.OK, worker.output()
    assert committed(kafka_settings, names).get(0) == 2, worker.output()
    assert "stopped service=enrich exit_code=0" in worker.output()
    assert (tmp_path / "faust" / f"{names.enrich_group}-{port}").is_dir()  # its own data dir


def test_outputs_kafka_keeps_refusing_stop_the_worker_with_3_and_nothing_of_them_is_committed(
    start_worker: Callable[..., Worker],
    producer: KafkaProducer,
    kafka_settings: KafkaSettings,
    names: Names,
) -> None:
    worker = start_worker(
        "--port",
        str(free_port()),
        NEWSWIRE_ENRICH_BATCH_SIZE="1",  # one batch per article: the refused one, then the next
        NEWSWIRE_ENRICH_SEND_ATTEMPTS="2",
        NEWSWIRE_ENRICH_SEND_RETRY_MAX_S="0.2",
    )
    send(producer, names.raw_topic, article(0))
    wait_for(lambda: committed(kafka_settings, names).get(0) == 1, 90, "the first one committed")
    # From now on the broker refuses what the worker still believes fits (it read the limit at
    # start-up): not a too-large dead letter, a refusal on every attempt.
    admin = make_admin(kafka_settings)
    try:
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, names.enriched_topic, {"max.message.bytes": "2048"}
                )
            ]
        )
    finally:
        admin.close()
    noise = "".join(random.choices(string.ascii_letters, k=12_000))  # barely compressible
    refused, after = article(1, body=noise), article(2)
    send(producer, names.raw_topic, refused, after)

    assert worker.wait(90) == ExitCode.UNAVAILABLE, worker.output()
    assert committed(kafka_settings, names).get(0) == 1, worker.output()  # offsets 1, 2 not
    assert [r.offset for r in read_all(kafka_settings, names.enriched_topic)] == [0]
    assert read_all(kafka_settings, names.dead_letter_topic) == []
    assert "Kafka refused an output 2 times" in worker.output()
