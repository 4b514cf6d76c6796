"""`newswire enrich`'s exit codes before the worker starts: bad usage, a missing model, Kafka
unreachable. (Stopped by SIGTERM -> 0 and outputs refused -> 3: ``test_worker.py``.)"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner, Result

from services.enrich.cli import enrich
from shared.errors import ExitCode


def newswire() -> typer.Typer:
    root = typer.Typer(no_args_is_help=True)
    root.command("enrich")(enrich)
    root.command("noop")(lambda: None)  # a second command, so "enrich" stays a sub-command
    return root


@pytest.fixture(autouse=True)
def root_level() -> Iterator[None]:
    """The command sets the root logger's level (--loglevel): put it back."""
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(newswire(), ["enrich", *args], env=env)


@pytest.mark.parametrize(
    "args",
    [
        ("--port", "0"),
        ("--web-port", "70000"),  # the old name is checked the same way
        ("--port", "many"),
        ("--loglevel", "loud"),
        ("--no-such-option",),
    ],
)
def test_bad_usage_exits_2(args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == ExitCode.USAGE, result.output


def test_bad_settings_exit_2() -> None:
    result = invoke(NEWSWIRE_ENRICH_BATCH_SIZE="0")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "batch_size" in result.output


def test_a_model_that_is_not_installed_exits_2_before_anything_loads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = invoke(
        NEWSWIRE_ENRICH_PIPELINES='{"fr": "fr_core_news_md", "en": "no_such_pipeline"}',
        NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",  # never asked: the models come first
    )
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "no spaCy pipeline for language 'en'" in caplog.text


def test_kafka_unreachable_exits_3(caplog: pytest.LogCaptureFixture) -> None:
    result = invoke(NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    assert result.exit_code == ExitCode.UNAVAILABLE, result.output
    assert "Kafka is unreachable at 127.0.0.1:1" in caplog.text
