"""`ingest file` against the real broker: every item accepted (incoming topic) or
dead-lettered."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.ingest.article_input import ArticleInput, Origin
from services.ingest.context import open_publisher
from services.ingest.errors import InvalidInputError
from services.ingest.files import import_paths
from services.ingest.intake import Intake, IntakeItem
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.deadletter import DeadLetter
from shared.models import RawArticle
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>World</title>
<entry><title>Talks in Geneva</title><id>urn:uuid:1</id>
<link href="https://world.example.com/geneva"/><updated>2026-11-24T09:15:00Z</updated>
<content type="html">&lt;p&gt;Delegates met.&lt;/p&gt;</content></entry></feed>"""


def write_inputs(root: Path) -> None:
    (root / "nested").mkdir()
    good = [
        {"url": f"https://news.example.fr/{i}", "title": f"Titre {i}", "body": "Texte."}
        for i in range(3)
    ]
    lines = [json.dumps(g) for g in good]
    lines += ['{"title": "truncated', "not json at all", json.dumps({"title": 5})]
    (root / "batch.ndjson").write_text("\n".join(lines) + "\n\n")
    (root / "bad-utf8.ndjson").write_bytes(b'{"title": "caf\xe9 \xff"}\n')
    (root / "array.json").write_text(
        json.dumps([good[0], {"title": "only a title"}, {"nothing": True}])
    )
    (root / "nested" / "world.atom").write_text(ATOM)
    (root / "nested" / "bomb.rss").write_text(
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><rss><channel/></rss>'
    )
    (root / "empty.json").write_text("")
    (root / ".hidden.json").write_text("{}")


def test_import_accounts_for_every_item(
    kafka_settings: KafkaSettings, names: Names, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    write_inputs(inputs)
    settings = IngestSettings(
        namespace=names.namespace, state_dir=tmp_path / "state", kafka=kafka_settings
    )
    publisher = open_publisher(settings, IngestMetrics())
    try:
        summary = import_paths([inputs], Intake(publisher), batch_size=2)
        again = import_paths([inputs], Intake(publisher))
    finally:
        publisher.close()

    # 3 good NDJSON + array's good[0] again + "only a title" + the Atom entry.
    assert (summary.files, summary.accepted) == (6, 6)
    assert summary.dead_lettered == 7
    assert summary.reasons == Counter(
        {
            "invalid-json": 2,
            "invalid-field": 1,
            "invalid-utf8": 1,
            "empty-article": 1,
            "xml-entities": 1,
            "empty-file": 1,
        }
    )
    assert again.accepted == 6  # sent again: the dedup stage drops what it has seen

    raw = [RawArticle.from_json(r.value) for r in read_all(kafka_settings, names.incoming_topic)]
    assert len(raw) == 12
    assert len({a.id for a in raw}) == 5
    assert {a.version for a in raw} == {1}
    assert {a.source_kind for a in raw} == {"file"}
    atom = next(a for a in raw if a.url == "https://world.example.com/geneva")
    assert atom.language_hint == "en"
    assert atom.body == "Delegates met."

    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in read_all(kafka_settings, names.dead_letter_topic)
    ]
    assert len(letters) == 14  # both runs dead-letter the same inputs again: nothing hidden
    sources = {letter.source for letter in letters}
    assert f"file:{inputs / 'batch.ndjson'}:5" in sources
    assert f"file:{inputs / 'empty.json'}" in sources
    truncated = next(x for x in letters if x.source == f"file:{inputs / 'batch.ndjson'}:4")
    assert truncated.payload == '{"title": "truncated'
    # Items without bytes of their own keep their record as JSON.
    nothing = next(x for x in letters if x.source == f"file:{inputs / 'array.json'}[2]")
    assert json.loads(nothing.payload) == {"nothing": True}


def test_an_item_without_bytes_of_its_own_keeps_its_record_as_payload() -> None:
    origin = Origin("file", "x", datetime.now(UTC))

    def item(raw: bytes | None, record: object) -> IntakeItem:
        return IntakeItem("x", raw, record, origin)

    entry = ArticleInput(guid="urn:uuid:2", language="en")  # a feed entry
    assert json.loads(item(None, entry).payload) == {"guid": "urn:uuid:2", "language": "en"}
    assert json.loads(item(None, {"a": [1]}).payload) == {"a": [1]}  # a JSON array item
    assert item(b"line", {"a": 1}).payload == b"line"
    assert item(None, InvalidInputError("invalid-json", "bad")).payload == b""
