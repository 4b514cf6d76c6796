"""Ingest -> dedup on the real broker, as it runs in production: ingest instances that share
nothing but the incoming topic, and one dedup worker deciding every id's versions.

- Two ingest instances (the push API and a file import, each with its own producer and state
  dir) receive the same articles and edits: every edit reaches the raw topic at its newest
  version, and nothing reaches it twice except a re-sent same version.
- The dedup worker killed with SIGKILL three times while articles and edits stream in, and
  restarted on its data dir each time: no edit lost, no duplicate beyond re-sent same versions.

The index is left to the end-to-end tests: here the raw topic is checked by version and content
hash, which is what the indexer's external versioning keeps.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.ingest.api import create_app
from services.ingest.article_input import Origin
from services.ingest.context import open_publisher
from services.ingest.files import import_paths
from services.ingest.intake import Intake, IntakeItem
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.ids import article_id, content_hash
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all
from tests.services.dedup.worker import Worker

pytestmark = pytest.mark.integration
KEY = {"X-API-Key": "k"}


def entry(n: int, edit: int = 0) -> dict[str, str]:
    """Article ``n`` as sent by a client; ``edit`` > 0 is its edit number ``edit``."""
    body = f"Le texte de l'article {n}." + (f" Correction {edit}." if edit else "")
    return {"url": f"https://news.example.fr/{n}", "title": f"Titre {n}", "body": body}


def hash_of(record: dict[str, str]) -> str:
    return content_hash(record["title"], record["body"])


def id_of(n: int) -> str:
    return article_id(entry(n)["url"])


def successive(contents: list[str]) -> list[str]:
    """The versions a stream of contents must make: consecutive repeats fold into one."""
    out: list[str] = []
    for content in contents:
        if not out or out[-1] != content:
            out.append(content)
    return out


def check_raw(raw: list[Any], sent: dict[str, list[str]]) -> dict[str, dict[int, set[str]]]:
    """Every id's raw versions against the contents sent for it, in order: version i holds the
    i-th successive content and no other (a re-sent version repeats the same hash), the
    newest is the last content sent. Returns id -> version -> hashes, for the messages."""
    found: dict[str, dict[int, set[str]]] = {}
    for record in raw:
        article = RawArticle.from_json(record.value)
        found.setdefault(article.id, {}).setdefault(article.version, set()).add(
            article.content_hash
        )
    assert set(found) == set(sent)
    for ident, contents in sent.items():
        expected = {v: {h} for v, h in enumerate(successive(contents), start=1)}
        assert found[ident] == expected, (ident, found[ident], expected)
    return found


@pytest.fixture
def ingest_settings(kafka_settings: KafkaSettings, names: Names, tmp_path: Path) -> IngestSettings:
    return IngestSettings(
        namespace=names.namespace,
        state_dir=tmp_path / "ingest-1",
        kafka=kafka_settings,
        api_key=SecretStr("k"),
    )


@pytest.fixture
def push(ingest_settings: IngestSettings) -> Iterator[TestClient]:
    """Ingest instance 1: the push API, with a producer of its own."""
    metrics = IngestMetrics()
    publisher = open_publisher(ingest_settings, metrics)
    try:
        with TestClient(create_app(ingest_settings, metrics, Intake(publisher))) as client:
            yield client
    finally:
        publisher.close()


def wait_raw(kafka: KafkaSettings, names: Names, count: int, worker: Worker) -> list[Any]:
    """The raw topic once it holds ``count`` distinct (id, version) records, and nothing more
    has come for two seconds (anything later would be a duplicate let through)."""
    deadline = time.monotonic() + 180
    raw: list[Any] = []
    while time.monotonic() < deadline:
        raw = read_all(kafka, names.raw_topic)
        distinct = {(r.key, RawArticle.from_json(r.value).version) for r in raw}
        if len(distinct) >= count:
            time.sleep(2)
            return read_all(kafka, names.raw_topic)
        assert worker.running(), worker.text()
        time.sleep(0.5)
    raise AssertionError(f"{len(raw)} raw records, {count} versions wanted\n{worker.text()}")


def test_two_ingest_instances_one_dedup_worker(
    push: TestClient,
    worker: Worker,
    ingest_settings: IngestSettings,
    kafka_settings: KafkaSettings,
    names: Names,
    tmp_path: Path,
) -> None:
    # Ingest instance 2: a file import, its own producer and state dir, on the same namespace.
    files_settings = ingest_settings.model_copy(update={"state_dir": tmp_path / "ingest-2"})

    def import_file(name: str, records: list[dict[str, str]]) -> None:
        path = tmp_path / f"{name}.ndjson"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        publisher = open_publisher(files_settings, IngestMetrics())
        try:
            summary = import_paths([path], Intake(publisher))
        finally:
            publisher.close()
        assert summary.accepted == len(records)

    def post(records: list[dict[str, str]]) -> None:
        response = push.post("/articles", json=records, headers=KEY)
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == len(records)

    sent: dict[str, list[str]] = {}

    def sending(records: list[dict[str, str]]) -> list[dict[str, str]]:
        for record in records:
            sent.setdefault(article_id(record["url"]), []).append(hash_of(record))
        return records

    worker.start()
    # Each step is acknowledged before the next: the order on each id's partition is this one.
    originals = [entry(n) for n in range(20)]
    post(sending(originals))  # instance 1 first sees the originals,
    import_file("same", sending(originals))  # instance 2 gets them too: all duplicates
    import_file("edits-1", sending([entry(n, 1) for n in range(5)]))  # edits of 0..4 via 2
    post(sending([entry(n, 1) for n in range(5, 10)]))  # edits of 5..9 via 1, which never
    post(sending([entry(n, 1) for n in range(5)]))  # saw 0..4 edited: they come again via 1
    import_file("edits-2", sending([entry(0, 2), entry(5, 2)]))  # second edits, via 2
    post(sending([entry(0, 2)]))  # and 0's again via 1

    raw = wait_raw(kafka_settings, names, 20 + 10 + 2, worker)
    assert worker.stop() == 0, worker.text()
    found = check_raw(raw, sent)
    assert {ident: max(v) for ident, v in found.items() if max(v) > 1} == {
        **{id_of(n): 2 for n in range(1, 10)},
        id_of(0): 3,
        id_of(5): 3,
    }
    assert len(raw) == 32  # a clean stop re-sends nothing
    incoming = read_all(kafka_settings, names.incoming_topic)
    assert len(incoming) == sum(len(contents) for contents in sent.values()) == 58
    assert {RawArticle.from_json(r.value).version for r in incoming} == {1}


def step_records(step: int) -> list[dict[str, str]]:
    """One step of the stream: 30 articles overlapping the previous steps' (repeats, and an
    edit every third step), plus a new edit of a few articles at every step."""
    first = (step * 10) % 200
    batch = [entry(n, step // 3) for n in range(first, first + 30)]
    return batch + [entry(n, step + 100) for n in range(0, 40, 7)]


def test_dedup_killed_three_times_mid_stream(
    worker: Worker, ingest_settings: IngestSettings, kafka_settings: KafkaSettings, names: Names
) -> None:
    """Steps of originals, repeats and edits go in while the worker is killed (SIGKILL) three
    times, each time once it has published something since it (re)started; the stream goes
    on for three more steps after the last restart."""
    sent: dict[str, list[str]] = {}
    publisher = open_publisher(ingest_settings, IngestMetrics())
    intake = Intake(publisher)
    killed_three_times = threading.Event()
    failures: list[BaseException] = []

    def feed() -> None:
        try:
            after, step = 0, 0
            while after < 3 and step < 300:
                batch = step_records(step)
                for record in batch:
                    sent.setdefault(article_id(record["url"]), []).append(hash_of(record))
                origin = Origin("push", "push:test", datetime.now(UTC))
                items = [
                    IntakeItem(f"push:test[{step}.{i}]", None, record, origin)
                    for i, record in enumerate(batch)
                ]
                assert {o.status for o in intake.take(items)} == {"accepted"}
                step += 1
                after += killed_three_times.is_set()
                time.sleep(1.0)
        except BaseException as exc:  # reported by the test's thread
            failures.append(exc)

    feeder = threading.Thread(target=feed)
    worker.start()
    feeder.start()
    try:
        for _kill in range(3):
            before = len(read_all(kafka_settings, names.raw_topic))
            deadline = time.monotonic() + 120
            while len(read_all(kafka_settings, names.raw_topic)) < before + 10:
                assert time.monotonic() < deadline, worker.text()
                assert worker.running(), worker.text()
                time.sleep(0.3)
            assert feeder.is_alive()  # mid-stream
            assert worker.stop(signal.SIGKILL) == -signal.SIGKILL
            worker.start()
        killed_three_times.set()
        feeder.join(timeout=300)
    finally:
        killed_three_times.set()
        feeder.join(timeout=300)
        publisher.close()
    assert not failures, failures
    wanted = sum(len(successive(contents)) for contents in sent.values())
    raw = wait_raw(kafka_settings, names, wanted, worker)
    assert worker.stop() == 0, worker.text()
    found = check_raw(raw, sent)  # no version lost, none made of a duplicate
    newest = {ident: successive(contents)[-1] for ident, contents in sent.items()}
    assert {i: found[i][max(found[i])] for i in found} == {i: {h} for i, h in newest.items()}
