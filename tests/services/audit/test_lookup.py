"""`newswire articles show`: one id's records, read from its partition only, what dedup made of
each incoming record, its indexed copy and dead letters; its exit codes."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from services.audit.lookup import TopicRecord, key_partition, verdicts
from services.cli import build
from shared.deadletter import DeadLetter
from shared.errors import ExitCode
from shared.ids import article_id
from shared.index import ensure_index
from shared.kafka import ensure_topics, make_producer
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
URL = "https://news.example.fr/lookup"


def at(seconds: float, version: int, content_hash: str, offset: int = 0) -> TopicRecord:
    return TopicRecord(0, offset, T0 + timedelta(seconds=seconds), version, content_hash)


def test_verdicts_by_content_hash_and_time() -> None:
    incoming = [
        at(0, 1, "a", 0),  # first sight
        at(2, 1, "a", 1),  # the same again, after v1 was published: duplicate
        at(3, 1, "b", 2),  # an edit, published as v2
        at(4, 1, "b", 3),  # sent again before dedup got to the first copy: still a duplicate
        at(5, 1, "c", 4),  # never published
        at(6, 1, "d", 5),  # dead-lettered by the dedup stage
    ]
    # v1 re-sent after a crash: one publication, not two.
    raw = [at(1, 1, "a"), at(1.5, 1, "a"), at(7, 2, "b")]
    found = [r.verdict for r in verdicts(incoming, raw, {(0, 5)})]
    assert found == [
        "new: v1",
        "duplicate of v1",
        "changed: v2",
        "duplicate of v2",
        "not deduplicated",
        "dead-lettered",
    ]


@pytest.fixture
def env(
    kafka_settings: KafkaSettings, es_settings: ElasticsearchSettings, names: Names
) -> dict[str, str]:
    return {
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        "NEWSWIRE_ES_URL": es_settings.url,
        "NEWSWIRE_KAFKA_REQUEST_TIMEOUT_MS": "5000",
        "COLUMNS": "80",
    }


def run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(build(), args, env=env)
    return result.exit_code, result.output


@pytest.mark.integration
def test_one_article_from_its_partitions(
    env: dict[str, str], kafka_settings: KafkaSettings, es: Elasticsearch, names: Names
) -> None:
    ensure_topics(kafka_settings, [names.incoming_topic, *names.topics()])
    ensure_index(es, names, datetime.now(UTC))
    ident = article_id(URL)
    key = ident.encode()
    producer = make_producer(kafka_settings)
    now = int(time.time() * 1000)

    def send(topic: str, version: int, content_hash: str, ms: int) -> int:
        value = json.dumps({"id": ident, "version": version, "content_hash": content_hash})
        meta = producer.send(topic, key=key, value=value.encode(), timestamp_ms=now + ms).get(30)
        return int(meta.partition)

    partitions = {
        send(names.incoming_topic, 1, "h1", 0),
        send(names.raw_topic, 1, "h1", 100),
        send(names.incoming_topic, 1, "h1", 200),
        send(names.incoming_topic, 1, "h2", 300),
        send(names.raw_topic, 2, "h2", 400),
    }
    # Our partition rule is the producer's: only that partition needs reading.
    assert partitions == {key_partition(key, 3)}
    for n in range(30):  # other ids, on every partition
        other = article_id(f"https://news.example.fr/other/{n}").encode()
        producer.send(names.incoming_topic, key=other, value=b'{"content_hash": "x"}')
    letter = DeadLetter.build(
        stage="enrich", reason="ner-failed", error="boom", payload=b"{}", article_id=ident
    )
    producer.send(names.dead_letter_topic, key=key, value=letter.to_json())
    producer.flush()
    producer.close()
    es.index(
        index=names.monthly_index(datetime.now(UTC)),
        id=ident,
        version=2,
        version_type="external",
        document={"id": ident, "content_hash": "h2"},
        refresh=True,
    )

    code, output = run(["articles", "show", URL, "--json"], env)  # by URL
    assert code == ExitCode.OK, output
    shown = json.loads(output)
    assert shown["id"] == ident
    assert [(r["version"], r["content_hash"], r["verdict"]) for r in shown["incoming"]] == [
        (1, "h1", "new: v1"),
        (1, "h1", "duplicate of v1"),
        (1, "h2", "changed: v2"),
    ]
    assert [(r["version"], r["content_hash"]) for r in shown["raw"]] == [(1, "h1"), (2, "h2")]
    assert [(c["version"], c["content_hash"]) for c in shown["indexed"]] == [(2, "h2")]
    assert [(d["stage"], d["reason"]) for d in shown["dead_letters"]] == [("enrich", "ner-failed")]

    code, output = run(["articles", "show", ident.upper()], env)  # by id, as a table
    assert code == ExitCode.OK, output
    assert all(len(line.rstrip()) <= 80 for line in output.splitlines())
    for text in (ident, "changed: v2", "duplicate of v1", "v2 content hash h2", "ner-failed"):
        assert text in output


@pytest.mark.integration
def test_exit_codes(env: dict[str, str], kafka_settings: KafkaSettings, es: Elasticsearch) -> None:
    nowhere = article_id("https://news.example.fr/never-sent")
    code, output = run(["articles", "show", nowhere], env)
    assert code == ExitCode.FAILED, output
    assert "no record of" in output
    for bad in ("not-an-id", "ftp://news.example.fr/x", "a" * 63):
        code, output = run(["articles", "show", bad], env)
        assert code == ExitCode.USAGE, output
    for closed in (
        {"NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"},
        {"NEWSWIRE_ES_URL": "http://127.0.0.1:1"},
    ):
        started = time.monotonic()
        code, output = run(
            ["articles", "show", nowhere],
            {**env, **closed, "NEWSWIRE_KAFKA_REQUEST_TIMEOUT_MS": "1000"},
        )
        assert code == ExitCode.UNAVAILABLE, output
        assert time.monotonic() - started < 20
