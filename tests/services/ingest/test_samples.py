"""The bundled samples through `ingest file` on the real broker: every gold article accepted
(the duplicate story folds into one id, sent twice: the dedup stage drops the copy), every
broken input dead-lettered with a reason."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from services.ingest.context import open_publisher
from services.ingest.files import import_paths
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.deadletter import DeadLetter
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration
SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def test_samples_import(kafka_settings: KafkaSettings, names: Names, tmp_path: Path) -> None:
    gold = json.loads((SAMPLES / "gold.json").read_text())
    gold_ids = {entry["id"] for entry in gold}
    settings = IngestSettings(namespace=names.namespace, state_dir=tmp_path, kafka=kafka_settings)
    publisher = open_publisher(settings, IngestMetrics())
    try:
        summary = import_paths(
            [SAMPLES / "feeds", SAMPLES / "articles", SAMPLES / "broken"], Intake(publisher)
        )
    finally:
        publisher.close()

    raw = [RawArticle.from_json(r.value) for r in read_all(kafka_settings, names.incoming_topic)]
    # The one article without URL or GUID in broken/ gets a content id (not in gold by URL).
    accepted_ids = Counter(a.id for a in raw)
    assert gold_ids <= set(accepted_ids)
    assert summary.accepted == len(raw)
    # The same story through two feeds: one id, twice.
    assert sorted(accepted_ids.values())[-2:] == [1, 2]
    languages = Counter((a.language_hint or "und").split("-")[0] for a in raw)
    assert {"fr", "en", "de", "es", "ru", "uk", "ar", "zh"} <= set(languages)
    spanish = next(a for a in raw if a.feed_id is None and "noticias" in (a.url or ""))
    assert "ñ" in spanish.body or "ó" in spanish.body or "á" in spanish.body  # ISO-8859-1 decoded
    undated = [a for a in raw if a.published_at_inferred]
    assert len(undated) >= 2  # the feed item without a date and the unparseable one

    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in read_all(kafka_settings, names.dead_letter_topic)
    ]
    reasons = Counter(letter.reason for letter in letters)
    assert summary.dead_lettered == len(letters)
    assert reasons["xml-entities"] == 2  # the XML bomb and the external entity
    assert reasons["malformed-feed"] == 2  # truncated feed, XML that is not a feed
    assert reasons["empty-file"] == 1
    assert reasons["invalid-utf8"] == 1
    assert reasons["invalid-json"] >= 2
    assert all(letter.source and letter.source.startswith("file:") for letter in letters)
