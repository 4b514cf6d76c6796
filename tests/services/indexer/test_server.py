"""The indexer's settings surface and its HTTP server (/metrics, /healthz), no broker needed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter

from services.indexer.server import HttpSurface
from services.indexer.settings import IndexerSettings
from shared import ports


def test_defaults_serve_metrics_and_probes_on_the_indexer_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSWIRE_INDEXER_PORT", raising=False)
    monkeypatch.delenv("NEWSWIRE_INDEXER_METRICS_PORT", raising=False)
    settings = IndexerSettings()
    assert (settings.host, settings.port) == (ports.DEFAULT_HOST, ports.INDEXER)


def test_the_old_metrics_port_name_still_works_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSWIRE_INDEXER_METRICS_PORT", "9123")
    with pytest.warns(DeprecationWarning, match="NEWSWIRE_INDEXER_PORT"):
        assert IndexerSettings().port == 9123
    monkeypatch.setenv("NEWSWIRE_INDEXER_PORT", "9124")  # the new name wins
    assert IndexerSettings().port == 9124


class Health:
    def __init__(self) -> None:
        self.answer: tuple[bool, dict[str, Any]] = (True, {"status": "ok"})

    def __call__(self) -> tuple[bool, dict[str, Any]]:
        return self.answer


@pytest.fixture
def served() -> Iterator[tuple[str, Health, Counter]]:
    registry = CollectorRegistry()
    counter = Counter("newswire_indexer_indexed", "Documents written.", registry=registry)
    health = Health()
    surface = HttpSurface(registry, health)
    port = surface.start("127.0.0.1", 0)
    yield f"http://127.0.0.1:{port}", health, counter
    surface.close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_metrics_healthz_and_nothing_else(served: tuple[str, Health, Counter]) -> None:
    base, health, counter = served
    counter.inc(3)
    status, body = _get(f"{base}/metrics")
    assert status == 200
    assert b"newswire_indexer_indexed_total 3.0" in body
    assert _get(f"{base}/healthz") == (200, b'{"status": "ok"}')
    health.answer = (False, {"status": "stalled", "last_poll_s": 75.0})
    status, body = _get(f"{base}/healthz")
    assert (status, json.loads(body)["status"]) == (503, "stalled")
    assert _get(f"{base}/")[0] == 404


def test_a_taken_port_is_an_error_and_close_frees_it() -> None:
    first = HttpSurface(CollectorRegistry(), Health())
    port = first.start("127.0.0.1", 0)
    with pytest.raises(OSError, match="in use"):
        HttpSurface(CollectorRegistry(), Health()).start("127.0.0.1", port)
    first.close()
    again = HttpSurface(CollectorRegistry(), Health())
    assert again.start("127.0.0.1", port) == port
    again.close()
