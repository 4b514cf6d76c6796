"""Lag settings: defaults, environment, validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.lag.settings import LagSettings
from shared import ports
from shared.settings import ServiceSettings


def test_defaults_watch_the_namespace_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_NAMESPACE", "prod")
    settings = LagSettings()
    assert settings.groups == []
    assert settings.default_groups == ["prod.dedup", "prod.enrich", "prod.indexer"]
    assert (settings.host, settings.port) == ("127.0.0.1", 9308)
    assert (settings.window_s, settings.min_samples, settings.refresh_interval_s) == (600, 3, 5)


def test_groups_from_the_environment_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_LAG_GROUPS", " a.enrich, b.indexer ,,")
    monkeypatch.setenv("NEWSWIRE_LAG_WINDOW_S", "30")
    settings = LagSettings()
    assert settings.groups == ["a.enrich", "b.indexer"]
    assert settings.window_s == 30


@pytest.mark.parametrize(
    "bad",
    [{"window_s": 0}, {"min_samples": 0}, {"port": 70_000}, {"refresh_interval_s": -1}],
)
def test_invalid_settings_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        LagSettings(**bad)  # type: ignore[arg-type]


def test_the_common_service_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_LAG_PORT", "9999")
    monkeypatch.setenv("NEWSWIRE_LAG_SHUTDOWN_TIMEOUT_S", "4")
    monkeypatch.setenv("NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS", "kafka:29092")
    settings = LagSettings()
    assert isinstance(settings, ServiceSettings)
    assert (settings.port, settings.shutdown_timeout_s) == (9999, 4)
    assert settings.kafka.servers == ["kafka:29092"]
    monkeypatch.delenv("NEWSWIRE_LAG_PORT")
    assert LagSettings().port == ports.LAG
