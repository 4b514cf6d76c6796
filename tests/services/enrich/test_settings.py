"""Enrich settings: the HTTP surface's names (old ones deprecated) and one data dir per worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.enrich.settings import EnrichSettings
from shared import ports


def test_host_and_port_default_to_the_shared_table() -> None:
    settings = EnrichSettings()
    assert (settings.host, settings.port) == (ports.DEFAULT_HOST, ports.ENRICH)


def test_the_old_web_port_variable_still_works_deprecated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_ENRICH_WEB_PORT", "7001")
    with pytest.warns(DeprecationWarning, match="set NEWSWIRE_ENRICH_PORT instead"):
        assert EnrichSettings().port == 7001
    monkeypatch.setenv("NEWSWIRE_ENRICH_PORT", "7002")  # the new name wins
    assert EnrichSettings().port == 7002


def test_each_worker_on_a_host_gets_its_own_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_NAMESPACE", "ns")
    one = EnrichSettings(data_dir=Path("/state"), port=6066)
    two = EnrichSettings(data_dir=Path("/state"), port=6067)
    assert one.worker_dir == Path("/state/ns.enrich-6066")
    assert two.worker_dir == Path("/state/ns.enrich-6067")
