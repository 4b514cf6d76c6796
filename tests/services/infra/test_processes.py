"""Stopping spawned daemons: the leader and whatever it left in its process group."""

from __future__ import annotations

import time
from pathlib import Path

from services.infra.processes import alive, spawn, stop


def _wait_for(path: Path) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = path.read_text().strip() if path.exists() else ""
        if text:
            return int(text)
        time.sleep(0.05)
    raise AssertionError(f"{path} never written")


def test_stop_also_ends_children_the_leader_left_behind(tmp_path: Path) -> None:
    child_file = tmp_path / "child.pid"
    # The leader dies on SIGTERM; its background child would live on, still in the group.
    leader = spawn(
        ["/bin/sh", "-c", f"sleep 300 & echo $! > {child_file}; exec sleep 301"],
        tmp_path / "out.log",
    )
    child = _wait_for(child_file)
    assert alive(leader)
    assert alive(child)
    assert stop(leader, timeout_s=5) is False  # ended by SIGTERM, no SIGKILL needed
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_stop_kills_a_leader_that_ignores_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    leader = spawn(
        ["/bin/sh", "-c", f"trap '' TERM; echo $$ > {ready}; while :; do sleep 0.1; done"],
        tmp_path / "out.log",
    )
    _wait_for(ready)
    assert stop(leader, timeout_s=0.5) is True
    assert not alive(leader)


def test_leftover_children_get_sigterm_before_sigkill(tmp_path: Path) -> None:
    child_file, farewell = tmp_path / "child.pid", tmp_path / "bye"
    script = (
        f"(trap 'echo bye > {farewell}; exit 0' TERM; while :; do sleep 0.1; done) & "
        f"echo $! > {child_file}; exec sleep 301"
    )
    leader = spawn(["/bin/sh", "-c", script], tmp_path / "out.log")
    child = _wait_for(child_file)
    stop(leader, timeout_s=5)
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)
    assert farewell.read_text().strip() == "bye"  # it could shut down cleanly
