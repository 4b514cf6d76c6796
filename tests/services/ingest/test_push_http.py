"""The push API's HTTP surface on an in-memory producer: what each Content-Type means, 415 for
the rest, and ``X-Content-Type-Options: nosniff`` on every response."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.ingest.api import SUPPORTED_TYPES, body_kind, create_app
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import Publisher
from services.ingest.settings import IngestSettings
from shared.names import Names
from shared.settings import KafkaSettings
from tests.fakes import FakeProducer

NAMES = Names("unit")
KEY = {"X-API-Key": "k"}
TWO_LINES = b'{"title": "Un", "url": "https://x.example/1"}\n{"title": "Deux"}\n'


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        (None, "json"),
        ("", "json"),
        ("application/json", "json"),
        ("Application/JSON; charset=UTF-8", "json"),
        ("application/vnd.newswire+json", "json"),
        ('application/ld+json; profile="a;b"', "json"),
        ("application/x-ndjson", "ndjson"),
        (" APPLICATION/X-NDJSON ;charset=utf-8", "ndjson"),
        ("application/ndjson", "ndjson"),
        ("application/jsonl", "ndjson"),
        # A parameter never changes the type: this is text, whatever it mentions.
        ("text/plain; x=application/x-ndjson", None),
        ("text/plain; charset=utf-8", None),
        ("multipart/form-data; boundary=x", None),
        ("application/x-www-form-urlencoded", None),
        ("application/json-seq", None),
        ("application/jsonx", None),
        ("text/json+x", None),
        ("json", None),  # no type/subtype
        ("application/json/x", None),
        ('application/json; charset="latin-1"', None),  # JSON is UTF-8
        ("application/x-ndjson; charset=utf-16", None),
    ],
)
def test_body_kind(content_type: str | None, kind: str | None) -> None:
    assert body_kind(content_type) == kind


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def client(producer: FakeProducer, tmp_path: Path) -> TestClient:
    settings = IngestSettings(
        state_dir=tmp_path,
        api_key=SecretStr("k"),
        max_body_bytes=2048,
        max_batch_items=3,
        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"),  # /healthz finds no broker
    )
    metrics = IngestMetrics()
    intake = Intake(Publisher(producer, NAMES, metrics, value_limit=4096, ack_timeout_s=1))
    return TestClient(create_app(settings, metrics, intake))


def test_ndjson_only_when_the_media_type_says_so(
    client: TestClient, producer: FakeProducer
) -> None:
    hidden = {**KEY, "Content-Type": "text/plain; x=application/x-ndjson"}
    refused = client.post("/articles", content=TWO_LINES, headers=hidden)
    assert refused.status_code == 415
    assert refused.json()["supported_types"] == list(SUPPORTED_TYPES)
    assert refused.headers["accept-post"] == ", ".join(SUPPORTED_TYPES)
    assert producer.sent == []  # nothing of it sent, not even a dead letter
    upper = {**KEY, "Content-Type": "Application/X-NDJSON; charset=UTF-8"}
    taken = client.post("/articles", content=TWO_LINES, headers=upper)
    assert taken.status_code == 200, taken.text
    assert taken.json()["accepted"] == 2
    assert len(producer.on(NAMES.incoming_topic)) == 2


def test_json_types_and_no_content_type(client: TestClient, producer: FakeProducer) -> None:
    article = json.dumps({"title": "Un", "url": "https://x.example/1"}).encode()
    for headers in ({}, {"Content-Type": "application/vnd.newswire+json"}):
        response = client.post("/articles", content=article, headers={**KEY, **headers})
        assert response.status_code == 200, response.text
        assert response.json()["articles"][0]["status"] == "accepted"
    latin = {**KEY, "Content-Type": "application/json; charset=latin-1"}
    assert client.post("/articles", content=article, headers=latin).status_code == 415
    # NDJSON sent as JSON is not JSON: one dead letter for the body.
    as_json = client.post(
        "/articles", content=TWO_LINES, headers={**KEY, "Content-Type": "application/json"}
    )
    assert as_json.status_code == 400
    assert len(producer.on(NAMES.incoming_topic)) == 2
    assert len(producer.on(NAMES.dead_letter_topic)) == 1


def test_every_response_says_nosniff(client: TestClient) -> None:
    article = {"title": "Un", "url": "https://x.example/1"}
    responses = {
        "accepted": client.post("/articles", json=article, headers=KEY),
        "no key": client.post("/articles", json=article),
        "too large": client.post("/articles", json={"title": "x" * 5000}, headers=KEY),
        "too many": client.post("/articles", json=[article] * 4, headers=KEY),
        "unsupported": client.post(
            "/articles", content=b"x", headers={**KEY, "Content-Type": "text/plain"}
        ),
        "not json": client.post(
            "/articles", content=b"{x", headers={**KEY, "Content-Type": "application/json"}
        ),
        "nothing valid": client.post("/articles", json={"title": ""}, headers=KEY),
        "healthz": client.get("/healthz"),
        "metrics": client.get("/metrics/"),
        "openapi": client.get("/openapi.json"),
        "docs": client.get("/docs"),
        "unknown path": client.get("/nope"),
        "wrong method": client.get("/articles"),
    }
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {
        "accepted": 200,
        "no key": 401,
        "too large": 413,
        "too many": 413,
        "unsupported": 415,
        "not json": 400,
        "nothing valid": 422,
        "healthz": 503,
        "metrics": 200,
        "openapi": 200,
        "docs": 200,
        "unknown path": 404,
        "wrong method": 405,
    }
    missing = [
        n for n, r in responses.items() if r.headers.get("x-content-type-options") != "nosniff"
    ]
    assert missing == []
