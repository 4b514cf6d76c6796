"""`newswire feeds add` + `newswire ingest poll --once` end to end: sample feeds served locally
over HTTP, published to the real broker, a conditional GET on the second poll."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all
from tests.services.ingest.http_fixtures import Reply, ScriptedServer

pytestmark = pytest.mark.integration
FEEDS = Path(__file__).resolve().parents[3] / "samples" / "feeds"


def newswire(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_poll_once_publishes_then_not_modified(
    http_server: ScriptedServer, kafka_settings: KafkaSettings, names: Names, tmp_path: Path
) -> None:
    rss = (FEEDS / "lemonde-like-fr.rss").read_bytes()
    atom = (FEEDS / "world-en.atom").read_bytes()
    headers = {"Content-Type": "application/rss+xml", "ETag": '"v1"'}
    http_server.script("/fr.rss", Reply(200, headers, rss), Reply(304, {"ETag": '"v1"'}))
    http_server.script("/en.atom", Reply(200, {"Content-Type": "application/atom+xml"}, atom))
    env = {
        **os.environ,
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        "NEWSWIRE_INGEST_STATE_DIR": str(tmp_path / "state"),
        "NEWSWIRE_INGEST_FEEDS_FILE": str(tmp_path / "feeds.json"),
        "NEWSWIRE_FETCH_ALLOW_PRIVATE": "true",  # the test server is on 127.0.0.1
        "NEWSWIRE_FETCH_PER_HOST_DELAY_S": "0.1",
    }
    for feed_id, path in (("fr", "/fr.rss"), ("en", "/en.atom")):
        added = newswire(env, "feeds", "add", http_server.url(path), "--id", feed_id)
        assert added.returncode == 0, added.stderr
    duplicate = newswire(env, "feeds", "add", http_server.url("/x"), "--id", "fr")
    assert duplicate.returncode == 2

    first = newswire(env, "ingest", "poll", "--once")
    assert first.returncode == 0, first.stderr
    raw = [RawArticle.from_json(r.value) for r in read_all(kafka_settings, names.incoming_topic)]
    assert len(raw) == 10
    assert {a.feed_id for a in raw} == {"fr", "en"}
    assert {a.source_kind for a in raw} == {"feed"}

    second = newswire(env, "ingest", "poll", "--once")
    assert second.returncode == 0, second.stderr
    assert http_server.requests_for("/fr.rss")[-1].headers.get("if-none-match") == '"v1"'
    # The RSS feed answered 304: nothing of it again. The Atom feed answered 200 with the same
    # entries: sent again (ingest keeps no memory of them), for the dedup stage to drop.
    again = [RawArticle.from_json(r.value) for r in read_all(kafka_settings, names.incoming_topic)]
    assert len(again) == 15
    assert Counter(a.feed_id for a in again) == {"fr": 5, "en": 10}

    listed = newswire(env, "feeds", "list")
    assert listed.returncode == 0
    assert "fr" in listed.stdout
    assert "enabled" in listed.stdout
