"""Ingest settings: the push API's and the poller's host/port, and their deprecated names."""

from __future__ import annotations

import pytest

from services.ingest.settings import IngestSettings
from shared import ports


def test_defaults_come_from_the_shared_ports() -> None:
    settings = IngestSettings()
    assert (settings.host, settings.port) == (ports.DEFAULT_HOST, ports.INGEST)
    assert (settings.poll.host, settings.poll.port) == (ports.DEFAULT_HOST, ports.POLL)


def test_new_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_INGEST_HOST", "0.0.0.0")
    monkeypatch.setenv("NEWSWIRE_INGEST_PORT", "8100")
    monkeypatch.setenv("NEWSWIRE_POLL_HOST", "0.0.0.0")
    monkeypatch.setenv("NEWSWIRE_POLL_PORT", "8102")
    settings = IngestSettings()
    assert (settings.host, settings.port) == ("0.0.0.0", 8100)
    assert (settings.poll.host, settings.poll.port) == ("0.0.0.0", 8102)


def test_old_names_still_work_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_INGEST_API_HOST", "10.0.0.1")
    monkeypatch.setenv("NEWSWIRE_INGEST_API_PORT", "8200")
    monkeypatch.setenv("NEWSWIRE_INGEST_METRICS_PORT", "8202")
    with pytest.warns(DeprecationWarning, match="is deprecated: set") as warned:
        settings = IngestSettings()
    assert (settings.host, settings.port) == ("10.0.0.1", 8200)
    assert settings.poll.port == 8202
    messages = " ".join(str(w.message) for w in warned)
    for new in ("NEWSWIRE_INGEST_HOST", "NEWSWIRE_INGEST_PORT", "NEWSWIRE_POLL_PORT"):
        assert f"set {new} instead" in messages


def test_a_new_name_wins_over_its_old_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_INGEST_API_PORT", "8200")
    monkeypatch.setenv("NEWSWIRE_INGEST_PORT", "8100")
    monkeypatch.setenv("NEWSWIRE_INGEST_METRICS_PORT", "8202")
    monkeypatch.setenv("NEWSWIRE_POLL_PORT", "8102")
    settings = IngestSettings()
    assert (settings.port, settings.poll.port) == (8100, 8102)
