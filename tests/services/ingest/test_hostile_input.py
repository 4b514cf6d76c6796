"""Hostile input (generated with hypothesis) through the push endpoint and the file importer,
on the real broker: nothing crashes, and every input is accounted for as accepted or
dead-lettered with a reason."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from services.ingest.api import create_app
from services.ingest.context import open_publisher
from services.ingest.files import import_paths
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.names import Names
from shared.settings import KafkaSettings
from tests.kafka_utils import read_all

pytestmark = pytest.mark.integration
KEY = {"X-API-Key": "fuzz"}

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss><channel><title>&b;</title></channel></rss>'
)
weird_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '<img src=x onerror="alert(1)">',
            "\u202e\u0000\ufeff",
            "Ã©Ã¨",
            "&#x0;&#xD800;",
            "\ud7ff" * 50,
            "]]>",
            BOMB,
        ]
    ),
    st.integers(min_value=3_000, max_value=1_100_000).map(lambda n: "x" * n),  # huge fields
)
dates = st.one_of(
    st.sampled_from(
        [
            "yesterday",
            "0000-00-00",
            "9999-99-99T99:99",
            "1e309",
            "",
            "2026-02-30",
            "Tue, 31 Feb 2026 25:61:00 +9999",
            "-1",
            "NaN",
        ]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
    st.text(max_size=40),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
articles = st.fixed_dictionaries(
    {},
    optional={
        "url": st.one_of(
            st.text(max_size=50),
            st.sampled_from(
                [
                    "https://x.example/a",
                    "javascript:alert(1)",
                    "http://[::1",
                    "ftp://x",
                    "https://ex ample.com",
                ]
            ),
        ),
        "title": st.one_of(weird_text, json_values),
        "body": st.one_of(weird_text, json_values),
        "summary": weird_text,
        "published": st.one_of(dates, json_values),
        "authors": st.one_of(st.lists(st.text(max_size=20), max_size=3), json_values),
        "language": st.one_of(st.text(max_size=10), json_values),
    },
)
raw_lines = st.one_of(
    articles.map(lambda a: json.dumps(a).encode()),
    st.binary(max_size=300),  # invalid UTF-8, broken JSON, anything
    st.sampled_from([b"{", b"[1,2", b'{"title": "\xff\xfe"}', b"null", b"[]", b'"text"', b"1e999"]),
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, infra: Any) -> Iterator[dict[str, Any]]:
    names = Names(f"fuzz-{uuid.uuid4().hex[:10]}")
    kafka = KafkaSettings(bootstrap_servers=infra.kafka_bootstrap)
    ingest = IngestSettings(
        namespace=names.namespace,
        state_dir=tmp_path_factory.mktemp("fuzz"),
        kafka=kafka,
        api_key=SecretStr("fuzz"),
        max_body_bytes=8 * 1024 * 1024,
    )
    metrics = IngestMetrics()
    publisher = open_publisher(ingest, metrics)
    app = create_app(ingest, metrics, Intake(publisher))
    with TestClient(app) as client:
        yield {
            "client": client,
            "names": names,
            "kafka": kafka,
            "settings": ingest,
            "counts": {"inputs": 0, "accounted": 0, "rejected": 0, "file_items": 0},
        }
    publisher.close()


@settings(
    max_examples=240, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(batch=st.lists(raw_lines, min_size=1, max_size=12))
def test_push_endpoint_accounts_for_everything(stack: dict[str, Any], batch: list[bytes]) -> None:
    client: TestClient = stack["client"]
    body = b"\n".join(line.replace(b"\n", b" ").replace(b"\r", b" ") for line in batch)
    response = client.post(
        "/articles", content=body, headers={**KEY, "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code in (200, 400, 413, 422), response.text
    lines = [line for line in body.splitlines() if line.strip()]
    counts = stack["counts"]
    counts["inputs"] += len(lines)
    if response.status_code in (200, 422):
        result = response.json()
        assert len(result["articles"]) + len(result["rejected"]) == len(lines)
        assert all(r["reason"] and r["error"] for r in result["rejected"])
        counts["accounted"] += len(result["articles"]) + len(result["rejected"])
        counts["rejected"] += len(result["rejected"])
    else:  # only a body that is not NDJSON at all, or too large: refused whole, with a reason
        assert response.json()["detail"]
        counts["accounted"] += len(lines)


def test_push_totals_and_dead_letters(stack: dict[str, Any]) -> None:
    counts = stack["counts"]
    assert counts["inputs"] >= 500
    assert counts["accounted"] == counts["inputs"]
    letters = read_all(stack["kafka"], stack["names"].dead_letter_topic)
    assert len(letters) >= counts["rejected"]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    files=st.lists(
        st.tuples(
            st.sampled_from([".json", ".ndjson", ".rss", ".xml", ""]),
            st.one_of(
                raw_lines, st.just(BOMB.encode()), st.lists(raw_lines, max_size=8).map(b"\n".join)
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_file_importer_accounts_for_everything(
    stack: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes]]
) -> None:
    folder: Path = tmp_path_factory.mktemp("files")
    for i, (suffix, content) in enumerate(files):
        (folder / f"input-{i}{suffix}").write_bytes(content)
    publisher = open_publisher(stack["settings"], IngestMetrics())
    try:
        summary = import_paths([folder], Intake(publisher))
    finally:
        publisher.close()
    assert summary.files == len(files)
    stack["counts"]["file_items"] += summary.accepted + summary.dead_lettered
    # Every file yields at least one outcome: articles or a dead letter.
    assert summary.accepted + summary.dead_lettered >= len(files)


def test_hostile_inputs_end_indexed_or_dead_lettered(
    stack: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, infra: Any
) -> None:
    """What the fuzzing let in goes through dedup, enrich and the indexer: the audit must
    balance."""
    from tests.e2e.pipeline import Pipeline

    names: Names = stack["names"]
    pipeline = Pipeline(
        names, infra.kafka_bootstrap, infra.es_url, tmp_path_factory.mktemp("fuzz-pipeline")
    )
    try:
        assert pipeline.run("setup").returncode == 0
        for name in ("dedup", "enrich", "indexer"):
            pipeline.start(name)
        audit = pipeline.run("audit", "--wait", "240", "--json", timeout=360)
        report = json.loads(audit.stdout)
        assert audit.returncode == 0, (report, pipeline.log("enrich"), pipeline.log("indexer"))
        assert report["raw"]["ids"] > 0
        counts = stack["counts"]
        assert counts["inputs"] + counts["file_items"] >= 1000  # generated hostile inputs
        assert report["inputs_rejected_at_ingest"] >= stack["counts"]["rejected"]
    finally:
        pipeline.stop_all()
