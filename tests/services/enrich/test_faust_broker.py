"""faust-streaming (aiokafka 0.14) against the real Kafka 4.x broker: consume one topic, produce
to another, keys preserved, clean exit on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.names import Names
from shared.settings import KafkaSettings

pytestmark = pytest.mark.integration
APP = Path(__file__).with_name("faust_echo_app.py")


def test_faust_agent_consumes_and_produces(
    kafka_settings: KafkaSettings, names: Names, tmp_path: Path
) -> None:
    source, sink = names.raw_topic, names.enriched_topic
    ensure_topics(kafka_settings, [source, sink])
    producer = make_producer(kafka_settings)
    expected = {f"id-{i}".encode(): f"article {i}".upper().encode() for i in range(40)}
    for key in expected:
        producer.send(source, key=key, value=expected[key].lower())
    producer.flush()
    producer.close()

    env = {
        **os.environ,
        "NEWSWIRE_TEST_APP_ID": names.enrich_group,
        "NEWSWIRE_TEST_BOOTSTRAP": kafka_settings.bootstrap_servers,
        "NEWSWIRE_TEST_SOURCE": source,
        "NEWSWIRE_TEST_SINK": sink,
        "NEWSWIRE_TEST_DATADIR": str(tmp_path / "faust"),
    }
    log_path = tmp_path / "faust.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, str(APP), "worker", "--loglevel", "info", "--without-web"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        consumer = make_consumer(kafka_settings, None, consumer_timeout_ms=60_000)
        consumer.subscribe([sink])
        received: dict[bytes, bytes] = {}
        for message in consumer:
            received[message.key] = message.value
            if len(received) == len(expected):
                break
        consumer.close()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            code = worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            code = -9
    log_text = log_path.read_text(errors="replace")
    assert received == expected, log_text[-3000:]
    assert code == 0, log_text[-3000:]
