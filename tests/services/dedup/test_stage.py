"""The dedup stage against the real broker: one writer per id, versions, duplicates dropped,
state kept across a kill -9."""

from __future__ import annotations

import signal
import time
import urllib.request

import orjson
import pytest

from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all
from tests.services.dedup.worker import Worker, send, wait_for
from tests.services.dedup.worker import versions as raw_versions

pytestmark = pytest.mark.integration


def _article(n: int, text: str = "body") -> RawArticle:
    return RawArticle.create(
        title=f"Article {n}",
        body=f"{text} {n}",
        url=f"https://example.org/{n}",
        source="example.org",
        source_kind="file",
    )


def test_new_changed_duplicate_and_invalid(
    worker: Worker, names: Names, kafka_settings: KafkaSettings
) -> None:
    first = [_article(n) for n in range(20)]
    edits = [_article(n, "edited") for n in range(5)]
    values = [(a.id.encode(), a.to_json()) for a in first]
    values += [(a.id.encode(), a.to_json()) for a in first[:10]]  # exact repeats
    values += [(a.id.encode(), a.to_json()) for a in edits]  # edits of 0..4
    values.append((b"bad", b"{not json"))
    send(kafka_settings, names.incoming_topic, values)
    worker.start()
    raw = wait_for(kafka_settings, names.raw_topic, 25, worker)
    dead = wait_for(kafka_settings, names.dead_letter_topic, 1, worker)
    time.sleep(2)  # anything more would be a duplicate let through
    raw = read_all(kafka_settings, names.raw_topic)
    port = worker.env["NEWSWIRE_DEDUP_PORT"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        metrics = answer.read().decode()
    assert worker.stop() == 0, worker.text()
    assert 'newswire_dedup_articles_total{verdict="duplicate"} 10.0' in metrics
    versions = raw_versions(raw)
    assert len(raw) == 25
    assert {i: v for i, v in versions.items() if len(v) > 1} == {a.id: [1, 2] for a in edits}
    assert all(v == [1] for i, v in versions.items() if i not in {a.id for a in edits})
    letter = orjson.loads(dead[0].value)
    assert letter["reason"] == "invalid-article"
    assert letter["topic"] == names.incoming_topic


def test_state_survives_kill_9(worker: Worker, names: Names, kafka_settings: KafkaSettings) -> None:
    articles = [_article(n) for n in range(30)]
    send(kafka_settings, names.incoming_topic, [(a.id.encode(), a.to_json()) for a in articles])
    worker.start()
    wait_for(kafka_settings, names.raw_topic, 30, worker)
    time.sleep(4)  # past faust's commit interval: the offsets and the changelog are written
    assert worker.stop(signal.SIGKILL) == -signal.SIGKILL
    # The same articles again, plus one edit: after recovery from the changelog only the edit
    # is published.
    edited = _article(3, "edited")
    again = [(a.id.encode(), a.to_json()) for a in articles] + [
        (edited.id.encode(), edited.to_json())
    ]
    send(kafka_settings, names.incoming_topic, again)
    worker.start()
    raw = wait_for(kafka_settings, names.raw_topic, 31, worker)
    time.sleep(3)
    raw = read_all(kafka_settings, names.raw_topic)
    assert worker.stop() == 0, worker.text()
    versions = raw_versions(raw)
    # Re-sent same versions are allowed after a kill (harmless downstream); a lost edit or a
    # new version for an unchanged article is not.
    assert versions[edited.id][-1] == 2
    assert all(set(v) == {1} for i, v in versions.items() if i != edited.id)
