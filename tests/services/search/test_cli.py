"""`newswire search` against the real node (no HTTP), and its --since parsing."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from services.search.cli import parse_since, results_table, search_app
from services.search.models import SearchPage
from services.search.settings import SearchSettings
from shared import ports
from shared.errors import ExitCode
from shared.names import Names
from shared.settings import ElasticsearchSettings
from tests.services.search.conftest import CORPUS


def _env(names: Names, es_settings: ElasticsearchSettings) -> dict[str, str]:
    return {"NEWSWIRE_NAMESPACE": names.namespace, "NEWSWIRE_ES_URL": es_settings.url}


def _root() -> typer.Typer:
    # As `newswire` mounts it: root.add_typer(search_app, name="search").
    root = typer.Typer()
    root.add_typer(search_app, name="search")
    return root


@pytest.mark.integration
def test_json_output(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    result = CliRunner().invoke(
        _root(),
        ["search", "arme nucleaire", "--lang", "fr", "--json"],
        env=_env(names, es_settings),
    )
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["total"] == 1
    assert page["hits"][0]["id"] == corpus["fr-arms"]
    assert page["hits"][0]["entities"][1] == {
        "name": "Vladimir Poutine",
        "label": "PER",
        "id": "Q7747",
    }


@pytest.mark.integration
def test_options_and_paging(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    env = _env(names, es_settings)
    runner = CliRunner()
    args = ["search", "--entity", "Q7747", "--sort", "newest", "--size", "1", "--json", ""]
    first = json.loads(runner.invoke(_root(), args, env=env).stdout)
    assert [h["id"] for h in first["hits"]] == [corpus["en-treaties"]]
    second = json.loads(runner.invoke(_root(), [*args, "--cursor", first["next"]], env=env).stdout)
    assert [h["id"] for h in second["hits"]] == [corpus["fr-arms"]]
    assert second["next"] is None
    # A date rather than a duration: the corpus is fixed, the clock is not.
    since = runner.invoke(
        _root(), ["search", "", "--since", "2026-11-21", "--json", "--size", "100"], env=env
    )
    assert {h["id"] for h in json.loads(since.stdout)["hits"]} == {
        corpus["en-treaties"],
        corpus["en-rates"],
        corpus["fr-climate"],
    }
    by_source = runner.invoke(_root(), ["search", "query", "--source", "spiegel.de", ""], env=env)
    assert by_source.exit_code == 0


@pytest.mark.integration
def test_table_output(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    result = CliRunner().invoke(
        _root(),
        ["search", "treaty"],
        env={**_env(names, es_settings), "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Leaders sign two treaties in Geneva" in result.stdout
    assert "2026-11-21 09:00" in result.stdout
    assert "Vladimir Putin" in result.stdout


@pytest.mark.integration
def test_exit_codes(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    runner = CliRunner()
    env = _env(names, es_settings)
    assert runner.invoke(_root(), ["search", "x", "--since", "soon"], env=env).exit_code == 2
    assert runner.invoke(_root(), ["search", "x" * 501], env=env).exit_code == 2
    assert runner.invoke(_root(), ["search", "x", "--cursor", "nope"], env=env).exit_code == 2
    assert runner.invoke(_root(), ["search", "x", "--size", "0"], env=env).exit_code == 2
    down = {**env, "NEWSWIRE_ES_URL": "http://127.0.0.1:1", "NEWSWIRE_ES_REQUEST_TIMEOUT_S": "2"}
    result = runner.invoke(_root(), ["search", "x"], env=down)
    assert result.exit_code == ExitCode.UNAVAILABLE
    assert "unreachable" in result.output


def test_parse_since() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(typer.BadParameter):
        parse_since("yesterday", now)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve_until_healthz(env: dict[str, str], port: int, expected: int) -> int:
    """Start `search serve`, wait for /healthz to answer ``expected``, SIGTERM; the exit code."""
    process = subprocess.Popen(
        [sys.executable, "-m", "services.search", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "search API did not come up"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status = r.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                time.sleep(0.2)
                continue
            assert status == expected
            break
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.mark.integration
def test_serve_stops_cleanly_on_sigterm(names: Names, es_settings: ElasticsearchSettings) -> None:
    assert _serve_until_healthz(_env(names, es_settings), _free_port(), 200) == ExitCode.OK


def test_serve_starts_without_elasticsearch_and_says_so(names: Names) -> None:
    down = {"NEWSWIRE_NAMESPACE": names.namespace, "NEWSWIRE_ES_URL": "http://127.0.0.1:1"}
    assert _serve_until_healthz(down, _free_port(), 503) == ExitCode.OK


def test_serve_on_a_taken_port_fails(names: Names) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "services.search", "serve", "--port", str(port)],
            env={**os.environ, "NEWSWIRE_ES_URL": "http://127.0.0.1:1"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == ExitCode.FAILED, done.stderr[-2000:]


# -- the table at terminal widths ------------------------------------------------------------
def _page() -> SearchPage:
    hits: list[dict[str, Any]] = [
        {
            "id": doc.key,
            "title": doc.title,
            "url": None,
            "source": doc.source,
            "language": doc.language,
            "published_at": doc.published_at,
            "entities": [{"name": n, "label": label, "id": i} for n, label, i in doc.entities],
            "highlights": {"title": [], "body": []},
            "score": 1.0,
        }
        for doc in CORPUS
    ]
    return SearchPage.model_validate(
        {"total": len(hits), "hits": hits, "next": None, "facets": {}, "took_ms": 1}
        | {"timed_out": False}
    )


def _render(width: int) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(results_table(_page(), width))
    return console.export_text().splitlines()


def _body(lines: list[str]) -> list[str]:
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    return lines[rule + 1 :]


@pytest.mark.parametrize("width", [50, 80, 100, 200])
def test_table_fits_and_titles_stay_readable(width: int) -> None:
    lines = _render(width)
    assert all(len(line.rstrip()) <= width for line in lines)
    body = _body(lines)
    # Titles wrap on words over two lines at most, never into a narrow column.
    assert len(body) <= 2 * len(CORPUS)
    assert any("Leaders sign two treaties in Geneva" in line for line in body)


def test_table_columns_follow_the_width() -> None:
    def header(width: int) -> list[str]:
        lines = _render(width)
        return lines[lines.index(next(x for x in lines if x.startswith("─"))) - 1].split()

    assert header(50) == ["title", "date"]
    assert header(80) == ["title", "date", "lang", "source"]
    assert header(200) == ["title", "date", "lang", "source", "entities"]
    wide = "\n".join(_render(200))
    assert "2026-11-21 09:00" in wide  # room to spare: the time of day too
    assert "Vladimir Putin" in wide
    assert "2026-11-21 09:00" not in "\n".join(_render(50))


def test_markup_in_titles_is_shown_literally() -> None:
    page = _page()
    hit = page.hits[0].model_copy(update={"title": "[bold]not bold[/bold] title"})
    table = results_table(page.model_copy(update={"hits": [hit]}), 80)
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(table)
    assert "[bold]not bold[/bold] title" in console.export_text()


@pytest.mark.integration
def test_table_output_in_80_columns(
    corpus: dict[str, str], names: Names, es_settings: ElasticsearchSettings
) -> None:
    result = CliRunner().invoke(
        _root(), ["search", "", "--size", "100"], env={**_env(names, es_settings), "COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert any("Leaders sign two treaties in Geneva" in line for line in lines)
    assert len(_body(lines)) <= 2 * len(CORPUS)


# -- exit codes and settings -----------------------------------------------------------------
def test_bad_settings_and_flags_are_usage_errors() -> None:
    runner = CliRunner()
    bad = {"NEWSWIRE_SEARCH_FACET_SIZE": "0"}
    assert runner.invoke(_root(), ["search", "x"], env=bad).exit_code == ExitCode.USAGE
    assert runner.invoke(_root(), ["search", "serve", "--port", "0"]).exit_code == ExitCode.USAGE
    assert runner.invoke(_root(), ["search", "serve", "--bogus"]).exit_code == ExitCode.USAGE
    assert runner.invoke(_root(), ["search", "serve"], env=bad).exit_code == ExitCode.USAGE


def test_old_host_and_port_names_still_work_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HOST", "PORT", "API_HOST", "API_PORT"):
        monkeypatch.delenv(f"NEWSWIRE_SEARCH_{name}", raising=False)
    assert (SearchSettings().host, SearchSettings().port) == (ports.DEFAULT_HOST, ports.SEARCH)
    monkeypatch.setenv("NEWSWIRE_SEARCH_API_HOST", "0.0.0.0")
    monkeypatch.setenv("NEWSWIRE_SEARCH_API_PORT", "9080")
    with pytest.warns(DeprecationWarning, match="is deprecated") as warned:
        settings = SearchSettings()
    assert (settings.host, settings.port) == ("0.0.0.0", 9080)
    assert sorted(str(w.message).split()[0] for w in warned) == [
        "NEWSWIRE_SEARCH_API_HOST",
        "NEWSWIRE_SEARCH_API_PORT",
    ]
    monkeypatch.setenv("NEWSWIRE_SEARCH_PORT", "9081")  # the new name wins, silently
    monkeypatch.delenv("NEWSWIRE_SEARCH_API_HOST")
    assert SearchSettings().port == 9081
