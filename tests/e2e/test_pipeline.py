"""End to end on the real broker and node: a feed served locally -> ingest -> enrich ->
indexer -> the search API finds the article with its language and entities; the audit balances;
every service stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.e2e.pipeline import Pipeline
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
    for name in ("enrich", "indexer", "search"):
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
    assert report["raw"]["ids"] == 5
    assert report["indexed"]["ids"] == 5
    assert pipeline.stop_all() == {"enrich": 0, "indexer": 0, "search": 0}
