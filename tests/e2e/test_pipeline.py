"""End to end on the real broker and node: a feed served locally -> ingest -> dedup -> enrich ->
indexer -> the search API finds the article with its language and entities; the audit balances;
every service stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from shared.deadletter import DeadLetter
from shared.kafka import make_admin, make_producer
from shared.models import RawArticle
from shared.settings import KafkaSettings
from tests.e2e.pipeline import Pipeline
from tests.kafka_utils import read_all
from tests.services.ingest.http_fixtures import Reply, ScriptedServer

pytestmark = pytest.mark.integration
FEEDS = Path(__file__).resolve().parents[2] / "samples" / "feeds"


def test_feed_to_search(pipeline: Pipeline, http_server: ScriptedServer) -> None:
    http_server.script(
        "/fr.rss",
        Reply(
            200,
            {"Content-Type": "application/rss+xml"},
            (FEEDS / "lemonde-like-fr.rss").read_bytes(),
        ),
    )
    for name in ("dedup", "enrich", "indexer", "search"):
        pipeline.start(name)
    pipeline.wait_healthy("search", "/healthz")
    pipeline.wait_healthy("enrich", "/metrics")
    assert pipeline.run("feeds", "add", http_server.url("/fr.rss"), "--id", "fr").returncode == 0
    polled = pipeline.run("ingest", "poll", "--once")
    assert polled.returncode == 0, polled.stderr

    query = urllib.parse.urlencode({"q": "arme nucleaire", "lang": "fr"})
    deadline = time.monotonic() + 180
    hits: list[dict[str, object]] = []
    while time.monotonic() < deadline and not hits:
        status, page = pipeline.get("search", f"/search?{query}")
        hits = page["hits"] if status == 200 and page else []
        time.sleep(1)
    assert hits, pipeline.log("enrich") + pipeline.log("indexer")
    article_id = hits[0]["id"]
    status, article = pipeline.get("search", f"/articles/{article_id}")
    assert status == 200
    assert article["language"] == "fr"
    labels = {entity["label"] for entity in article["entities"]}
    assert {"PER", "LOC"} <= labels, article["entities"]

    audit = pipeline.run("audit", "--wait", "120", "--json")
    report = json.loads(audit.stdout)
    assert audit.returncode == 0, audit.stdout
    assert report["incoming"]["ids"] == report["raw"]["ids"] == 5
    assert report["indexed"]["ids"] == 5
    assert report["not_deduplicated"] == []
    assert pipeline.stop_all() == {"dedup": 0, "enrich": 0, "indexer": 0, "search": 0}


def test_an_enriched_article_too_large_for_its_topic_is_dead_lettered(
    pipeline: Pipeline, kafka_settings: KafkaSettings
) -> None:
    names = pipeline.names
    admin = make_admin(kafka_settings)
    try:  # an enriched topic taking records of 16 KiB at most
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, names.enriched_topic, {"max.message.bytes": "16384"}
                )
            ]
        )
    finally:
        admin.close()
    paragraph = "Le ministre Jean Dupont a rencontré à Genève la délégation de l'ONU. " * 5
    small = RawArticle.create(
        title="Court",
        body=paragraph,
        url="https://news.example.fr/court",
        source_kind="file",
        source="news.example.fr",
    )
    big = RawArticle.create(
        title="Long",
        body="\n\n".join([paragraph] * 60),  # ~20 KB of text
        url="https://news.example.fr/long",
        source_kind="file",
        source="news.example.fr",
    )
    producer = make_producer(kafka_settings)
    for article in (big, small):
        producer.send(names.raw_topic, key=article.id.encode(), value=article.to_json())
    producer.flush()
    producer.close()
    pipeline.start("enrich")
    deadline = time.monotonic() + 180
    enriched: list[Any] = []
    letters: list[DeadLetter] = []
    while time.monotonic() < deadline and not (enriched and letters):
        time.sleep(1)
        enriched = read_all(kafka_settings, names.enriched_topic, timeout_s=5)
        letters = [
            DeadLetter.model_validate_json(r.value)
            for r in read_all(kafka_settings, names.dead_letter_topic, timeout_s=5)
        ]
    assert [(x.stage, x.reason, x.article_id) for x in letters] == [
        ("enrich", "too-large", big.id)
    ], pipeline.log("enrich")
    assert "the enriched topic takes 15360 bytes at most per article" in letters[0].error
    assert [r.key for r in enriched] == [small.id.encode()]
    assert pipeline.stop("enrich") == 0  # it went on: no crash loop on the big one
