from __future__ import annotations

import json

from shared.deadletter import DeadLetter


def test_payload_truncated_and_invalid_utf8_kept_visible() -> None:
    payload = b"\xff\xfe" + b"x" * 100
    record = DeadLetter.build(
        stage="ingest",
        reason="invalid-json",
        error="Expecting value",
        payload=payload,
        limit=10,
        source="file:/tmp/a.ndjson",
    )
    assert record.payload_truncated
    assert record.payload_bytes == 102
    assert record.payload.startswith("\ufffd\ufffd")
    data = json.loads(record.to_json())
    assert data["reason"] == "invalid-json"
    assert data["source"] == "file:/tmp/a.ndjson"


def test_small_payload_not_truncated() -> None:
    record = DeadLetter.build(
        stage="indexer",
        reason="es-rejected",
        error="mapper_parsing_exception",
        payload="{}",
        topic="t",
        partition=2,
        offset=41,
        article_id="a" * 64,
    )
    assert not record.payload_truncated
    assert (record.topic, record.partition, record.offset) == ("t", 2, 41)
