"""`newswire audit`, `dead-letters` and `replay` end as the README's exit-code table says:
success, "no" (imbalance, live group), bad usage, and a server that cannot be reached."""

from __future__ import annotations

import json
import time

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from services.cli import build
from shared.deadletter import DeadLetter
from shared.errors import ExitCode
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings

pytestmark = pytest.mark.integration

CLOSED = "127.0.0.1:1"  # nothing listens there: refused at once


@pytest.fixture
def env(
    kafka_settings: KafkaSettings, es_settings: ElasticsearchSettings, names: Names
) -> dict[str, str]:
    return {
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        "NEWSWIRE_ES_URL": es_settings.url,
        "COLUMNS": "80",
    }


def unreachable(env: dict[str, str], what: str) -> dict[str, str]:
    closed = {"kafka": {"NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": CLOSED}}
    closed["es"] = {"NEWSWIRE_ES_URL": f"http://{CLOSED}"}
    return {**env, **closed[what], "NEWSWIRE_KAFKA_REQUEST_TIMEOUT_MS": "1000"}


def run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(build(), args, env=env)
    return result.exit_code, result.output


def fits(output: str, columns: int = 80) -> bool:
    return all(len(line.rstrip()) <= columns for line in output.splitlines())


# -- audit ------------------------------------------------------------------------------


def test_audit_of_an_empty_pipeline_is_balanced(env: dict[str, str], es: Elasticsearch) -> None:
    code, output = run(["audit"], env)
    assert code == ExitCode.OK, output
    assert "balanced" in output
    assert "NOT" not in output
    assert fits(output)


def test_audit_imbalance_exits_1_and_names_the_id(
    env: dict[str, str], kafka_settings: KafkaSettings, names: Names, es: Elasticsearch
) -> None:
    ensure_topics(kafka_settings, [names.raw_topic])
    producer = make_producer(kafka_settings)
    producer.send(names.raw_topic, key=b"f" * 64, value=b'{"version": 1}').get(timeout=30)
    producer.close()
    code, output = run(["audit"], env)
    assert code == ExitCode.FAILED, output
    assert "f" * 64 in output
    assert fits(output)
    code, output = run(["audit", "--json"], env)
    assert code == ExitCode.FAILED
    assert json.loads(output.split("\n", 1)[0] + output.split("\n", 1)[1])["missing"] == ["f" * 64]


@pytest.mark.parametrize(
    ("args", "extra"),
    [(["audit", "--wait", "-1"], {}), (["audit"], {"NEWSWIRE_KAFKA_PARTITIONS": "0"})],
)
def test_audit_bad_usage_exits_2(
    env: dict[str, str], args: list[str], extra: dict[str, str]
) -> None:
    code, output = run(args, {**env, **extra})
    assert code == ExitCode.USAGE, output


@pytest.mark.parametrize("server", ["kafka", "es"])
def test_audit_with_a_server_unreachable_exits_3(env: dict[str, str], server: str) -> None:
    started = time.monotonic()
    code, output = run(["audit"], unreachable(env, server))
    assert code == ExitCode.UNAVAILABLE, output
    assert "audit failed" in output
    assert time.monotonic() - started < 20


# -- dead-letters -----------------------------------------------------------------------


def test_dead_letters_listed_at_80_columns(
    env: dict[str, str], kafka_settings: KafkaSettings, names: Names
) -> None:
    ensure_topics(kafka_settings, [names.dead_letter_topic])
    letter = DeadLetter.build(
        stage="indexer",
        reason="es-rejected",
        error="mapper_parsing_exception: failed to parse field [published_at] of type [date]",
        payload=b"{}",
        article_id="a" * 64,
        topic=names.enriched_topic,
        partition=2,
        offset=41,
    )
    producer = make_producer(kafka_settings)
    producer.send(names.dead_letter_topic, value=letter.to_json()).get(timeout=30)
    producer.close()
    code, output = run(["dead-letters"], env)
    assert code == ExitCode.OK, output
    assert fits(output)
    tokens = output.split()
    assert {"es-rejected", f"{names.enriched_topic}[2]@41", "[published_at]"} <= set(tokens)
    code, output = run(["dead-letters", "--json", "--stage", "indexer"], env)
    assert code == ExitCode.OK
    assert [x["reason"] for x in json.loads(output)] == ["es-rejected"]


@pytest.mark.parametrize(
    "args",
    [
        ["dead-letters", "--republish"],
        ["dead-letters", "--republish", "--stage", "ingest"],
        ["dead-letters", "--stage", "nope"],
        ["dead-letters", "--limit", "0"],
    ],
)
def test_dead_letters_bad_usage_exits_2(env: dict[str, str], args: list[str]) -> None:
    code, output = run(args, env)
    assert code == ExitCode.USAGE, output


@pytest.mark.parametrize(
    "args", [["dead-letters"], ["dead-letters", "--republish", "--stage", "enrich"]]
)
def test_dead_letters_with_kafka_unreachable_exits_3(env: dict[str, str], args: list[str]) -> None:
    code, output = run(args, unreachable(env, "kafka"))
    assert code == ExitCode.UNAVAILABLE, output


# -- replay -----------------------------------------------------------------------------


def test_replay_of_a_stopped_group_then_of_a_live_one(
    env: dict[str, str], kafka_settings: KafkaSettings, names: Names
) -> None:
    ensure_topics(kafka_settings, [names.enriched_topic])
    code, output = run(["replay", "indexer"], env)
    assert code == ExitCode.OK, output
    assert f"{names.indexer_group}: {names.enriched_topic}[0] -> 0" in output
    member = make_consumer(kafka_settings, names.indexer_group)
    member.subscribe([names.enriched_topic])
    try:
        deadline = time.monotonic() + 30
        while not member.assignment() and time.monotonic() < deadline:
            member.poll(timeout_ms=200)
        code, output = run(["replay", "indexer"], env)
    finally:
        member.close()
    assert code == ExitCode.FAILED, output
    assert "active member" in output


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "search"],
        ["replay", "indexer", "--since", "yesterday"],
        ["replay", "enrich"],  # this namespace has no raw topic
        ["replay"],
    ],
)
def test_replay_bad_usage_exits_2(env: dict[str, str], args: list[str]) -> None:
    code, output = run(args, env)
    assert code == ExitCode.USAGE, output


def test_replay_with_kafka_unreachable_exits_3(env: dict[str, str]) -> None:
    code, output = run(["replay", "indexer"], unreachable(env, "kafka"))
    assert code == ExitCode.UNAVAILABLE, output
