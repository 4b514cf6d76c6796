"""Ingest settings: the push API's and the poller's host/port, and their deprecated names."""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.parametrize("root", [True, False])
@pytest.mark.parametrize("infra_state_dir", [None, "custom"])
def test_every_entry_point_of_one_installation_has_one_state_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, root: bool, infra_state_dir: str | None
) -> None:
    """`newswire ingest ...` typed in a shell and the services `newswire up` starts find the
    feed state in the same folder: as root or not, with NEWSWIRE_INFRA_STATE_DIR or not."""
    from services.infra import stack
    from services.infra.settings import InfraSettings

    monkeypatch.setattr("os.geteuid", lambda: 0 if root else 1000)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("NEWSWIRE_INGEST_API_KEY", "k")  # nothing written under the state dir
    monkeypatch.delenv("NEWSWIRE_INGEST_STATE_DIR", raising=False)
    if infra_state_dir is None:
        monkeypatch.delenv("NEWSWIRE_INFRA_STATE_DIR", raising=False)
    else:
        monkeypatch.setenv("NEWSWIRE_INFRA_STATE_DIR", str(tmp_path / infra_state_dir))
    infra = InfraSettings()
    from_shell = IngestSettings().state_dir
    from_up = Path(stack.environment(infra)["NEWSWIRE_INGEST_STATE_DIR"])
    assert from_shell == from_up == infra.state_dir / "ingest"
    if infra_state_dir is not None:
        expected = tmp_path / infra_state_dir / "ingest"
    elif root:
        expected = Path("/var/lib/newswire/ingest")
    else:
        expected = tmp_path / "xdg-state" / "newswire" / "ingest"
    assert from_shell == expected
    # The services `newswire up` starts read the same environment: they agree too.
    monkeypatch.setenv("NEWSWIRE_INGEST_STATE_DIR", str(from_up))
    assert IngestSettings().state_dir == from_shell
