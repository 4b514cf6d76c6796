"""What the index cannot take is refused at the door: through the push endpoint, against the
real broker, an over-long GUID or URL is rejected with its reason, never answered "accepted"
and dead-lettered later by the indexer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.ingest.api import create_app
from services.ingest.context import open_publisher
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.deadletter import DeadLetter
from shared.models import GUID_MAX_CHARS, URL_MAX_CHARS
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration
KEY = {"X-API-Key": "bounds"}


@pytest.fixture
def client(kafka_settings: KafkaSettings, names: Names, tmp_path: Path) -> Iterator[TestClient]:
    settings = IngestSettings(
        namespace=names.namespace,
        state_dir=tmp_path,
        kafka=kafka_settings,
        api_key=SecretStr("bounds"),
        max_body_bytes=1024 * 1024,
    )
    metrics = IngestMetrics()
    publisher = open_publisher(settings, metrics)
    try:
        with TestClient(create_app(settings, metrics, Intake(publisher))) as test_client:
            yield test_client
    finally:
        publisher.close()


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [
        ("guid", "g" * 100_000, GUID_MAX_CHARS),
        ("url", "https://news.example.fr/" + "a" * 100_000, URL_MAX_CHARS),
    ],
)
def test_an_over_long_keyword_is_rejected_with_its_reason(
    client: TestClient,
    kafka_settings: KafkaSettings,
    names: Names,
    field: str,
    value: str,
    limit: int,
) -> None:
    response = client.post("/articles", json={"title": "Titre", field: value}, headers=KEY)
    assert response.status_code == 422
    body = response.json()
    assert body["accepted"] == 0
    assert body["articles"] == []
    (rejected,) = body["rejected"]
    assert rejected["reason"] == "field-too-long"
    assert f"{field}: String should have at most {limit} characters" in rejected["error"]
    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in read_all(kafka_settings, names.dead_letter_topic)
    ]
    assert [(d.reason, d.stage) for d in letters] == [("field-too-long", "ingest")]


def test_the_longest_allowed_values_are_published(client: TestClient) -> None:
    url = "https://news.example.fr/" + "a" * (URL_MAX_CHARS - len("https://news.example.fr/"))
    batch = [
        {"title": "Un", "url": url, "guid": "g" * GUID_MAX_CHARS},
        {"title": "Deux", "guid": "g" * (GUID_MAX_CHARS + 1)},
    ]
    response = client.post("/articles", json=batch, headers=KEY)
    assert response.status_code == 200
    body = response.json()
    assert [a["status"] for a in body["articles"]] == ["accepted"]
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(1, "field-too-long")]
