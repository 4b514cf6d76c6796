from __future__ import annotations

from pathlib import Path

import pytest

from services.infra.java import find_jdk, java_major


def _fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\n")
    (home / "release").write_text(f'IMPLEMENTOR="x"\nJAVA_VERSION="{version}"\n')
    return home


def test_java_major_reads_release_file(tmp_path: Path) -> None:
    assert java_major(_fake_jdk(tmp_path, "j17", "17.0.15")) == 17
    assert java_major(tmp_path / "missing") is None


def test_explicit_jdk_must_be_new_enough(tmp_path: Path) -> None:
    old = _fake_jdk(tmp_path, "j17", "17.0.15")
    new = _fake_jdk(tmp_path, "j25", "25.0.3")
    assert find_jdk(21, new) == new
    with pytest.raises(RuntimeError, match="not a JDK 21"):
        find_jdk(21, old)


def test_prefers_newest_from_jvm_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_jdk(tmp_path, "a17", "17.0.1")
    j21 = _fake_jdk(tmp_path, "b21", "21.0.2")
    j25 = _fake_jdk(tmp_path, "c25", "25.0.3")
    monkeypatch.setattr("services.infra.java.JVM_ROOT", tmp_path)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert find_jdk(21, prefer_newest=True) == j25
    assert find_jdk(21) == j21
    with pytest.raises(RuntimeError, match="no JDK 99"):
        find_jdk(99)
