"""The push endpoint against the real broker: auth, limits, partial batches, NDJSON, health;
every accepted article on the incoming topic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from kafka.admin import NewTopic
from pydantic import SecretStr

from services.ingest.api import create_app
from services.ingest.context import open_publisher
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.deadletter import DeadLetter
from shared.kafka import make_admin
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration
KEY = {"X-API-Key": "s3cret-key"}


@pytest.fixture
def client(kafka_settings: KafkaSettings, names: Names, tmp_path: Path) -> Iterator[TestClient]:
    settings = IngestSettings(
        namespace=names.namespace,
        state_dir=tmp_path,
        kafka=kafka_settings,
        api_key=SecretStr("s3cret-key"),
        max_body_bytes=4096,
        max_batch_items=5,
    )
    metrics = IngestMetrics()
    publisher = open_publisher(settings, metrics)
    try:
        with TestClient(create_app(settings, metrics, Intake(publisher))) as test_client:
            yield test_client
    finally:
        publisher.close()


def test_requires_the_api_key(client: TestClient) -> None:
    article = {"title": "t", "url": "https://x.example/1"}
    assert client.post("/articles", json=article).status_code == 401
    assert client.post("/articles", json=article, headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.post("/articles", json=article, headers=KEY).status_code == 200


def test_body_over_limit_is_413(client: TestClient) -> None:
    big = {"title": "t", "body": "x" * 5000}
    assert client.post("/articles", json=big, headers=KEY).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        yield b'{"title": "t", "body": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    response = client.post(
        "/articles", content=chunks(), headers={**KEY, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    too_many = [{"title": f"t{i}"} for i in range(6)]
    assert client.post("/articles", json=too_many, headers=KEY).status_code == 413


def test_partial_batch_accepts_valid_and_lists_invalid(
    client: TestClient, kafka_settings: KafkaSettings, names: Names
) -> None:
    batch = [
        {"title": "Un", "url": "https://news.example.fr/1"},
        {"title": 42},
        {"title": "Deux", "url": "https://news.example.fr/2"},
        {"url": "ftp://nope"},
    ]
    response = client.post("/articles", json=batch, headers=KEY)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [
        (1, "invalid-field"),
        (3, "invalid-url"),
    ]
    assert [(a["index"], a["status"]) for a in body["articles"]] == [
        (0, "accepted"),
        (2, "accepted"),
    ]
    assert set(body) == {"accepted", "rejected", "articles"}  # no verdict: dedup's to decide
    again = client.post("/articles", json=batch[:1], headers=KEY).json()
    assert again["accepted"] == 1  # sent again: the dedup stage drops it as a duplicate
    assert [a["id"] for a in again["articles"]] == [body["articles"][0]["id"]]
    assert len(read_all(kafka_settings, names.incoming_topic)) == 3
    assert read_all(kafka_settings, names.raw_topic) == []
    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in read_all(kafka_settings, names.dead_letter_topic)
    ]
    assert sorted(letter.reason for letter in letters) == ["invalid-field", "invalid-url"]
    assert all(letter.source and letter.source.startswith("push:") for letter in letters)


def test_ndjson_and_broken_json(client: TestClient) -> None:
    lines = "\n".join([json.dumps({"title": "A"}), "{broken", json.dumps({"title": "B"})])
    response = client.post(
        "/articles", content=lines, headers={**KEY, "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200
    assert response.json()["accepted"] == 2
    assert response.json()["rejected"][0]["index"] == 1
    broken = client.post(
        "/articles", content=b"{nope", headers={**KEY, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["reason"] == "invalid-json"
    only_invalid = client.post("/articles", json={"title": ""}, headers=KEY)
    assert only_invalid.status_code == 422


def test_health_metrics_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "kafka": True}
    client.post("/articles", json={"title": "m"}, headers=KEY)
    metrics = client.get("/metrics/").text
    assert 'newswire_ingest_published_total{source_kind="push"} 1.0' in metrics
    spec = client.get("/openapi.json").json()
    assert "/articles" in spec["paths"]
    assert "application/x-ndjson" in spec["paths"]["/articles"]["post"]["requestBody"]["content"]


def test_an_article_over_the_topic_limit_is_listed_as_rejected(
    kafka_settings: KafkaSettings, names: Names, tmp_path: Path
) -> None:
    admin = make_admin(kafka_settings)
    try:  # records of 2 KiB at most on this incoming topic
        admin.create_topics(
            [NewTopic(names.incoming_topic, 1, 1, topic_configs={"max.message.bytes": "2048"})]
        )
    finally:
        admin.close()
    settings = IngestSettings(
        namespace=names.namespace,
        state_dir=tmp_path,
        kafka=kafka_settings,
        api_key=SecretStr("s3cret-key"),
    )
    metrics = IngestMetrics()
    publisher = open_publisher(settings, metrics)
    app = create_app(settings, metrics, Intake(publisher))
    batch = [
        {"title": "Long", "url": "https://news.example.fr/long", "body": "mot " * 1000},
        {"title": "Court", "url": "https://news.example.fr/court"},
    ]
    with TestClient(app) as client:
        body = client.post("/articles", json=batch, headers=KEY).json()
        assert body["accepted"] == 1
        assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(0, "too-large")]
        assert [a["index"] for a in body["articles"]] == [1]
        alone = client.post("/articles", json=batch[0], headers=KEY)
        assert alone.status_code == 422
        assert alone.json()["rejected"][0]["reason"] == "too-large"
    publisher.close()
