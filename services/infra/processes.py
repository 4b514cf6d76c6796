"""Process bookkeeping: where a server keeps its files, the state file, liveness, open ports,
and stopping a process group for good."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from services.infra.settings import InfraSettings


@dataclass(frozen=True, slots=True)
class ServerPaths:
    """A local server's files: ``<state>/<name>/`` (its data in ``data/``, its installation in
    ``home``, the root itself unless told otherwise) and its logs in ``<state>/logs/<name>/``."""

    root: Path
    home: Path
    logs: Path

    SERVER_LOG: ClassVar[str] = "server.log"

    @classmethod
    def under(cls, settings: InfraSettings, name: str, home: str | None = None) -> Self:
        root = settings.state_dir / name
        return cls(root, root / home if home else root, settings.logs_dir / name)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def server_log(self) -> Path:
        return self.logs / self.SERVER_LOG

    @property
    def stdout_log(self) -> Path:
        """What the process writes before (or besides) its own logging."""
        return self.logs / "stdout.log"


def port_open(port: int, timeout_s: float = 0.5) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s):
            return True
    except OSError:
        return False


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0): look at its state.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in the group."""
    proc = Path("/proc")
    if not proc.is_dir():  # no /proc: ask the kernel (zombies then count as alive)
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if fields[2] == str(pgid) and fields[0] != "Z":  # state, ppid, pgrp
            return True
    return False


def _signal(pid: int, sig: signal.Signals, *, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _wait(done: Callable[[], bool], timeout_s: float, step_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step_s)
    return True


def stop(pid: int, timeout_s: float) -> bool:
    """SIGTERM, wait up to ``timeout_s``, then SIGKILL. True if it had to be killed.

    When ``pid`` leads its own process group (``spawn`` makes it so), what it started and left
    behind in the group is stopped too (SIGTERM, a short grace, then SIGKILL), so nothing holds
    the ports or the data folder.
    """
    if not alive(pid):
        return False
    try:
        leads_group = os.getpgid(pid) == pid
    except ProcessLookupError:
        return False
    _signal(pid, signal.SIGTERM, group=False)
    killed = False
    if not _wait(lambda: not alive(pid), timeout_s, 0.2):
        killed = True
        _signal(pid, signal.SIGKILL, group=leads_group)
        _wait(lambda: not alive(pid), 30)
    if leads_group and _group_alive(pid):  # children that outlived their leader
        _signal(pid, signal.SIGTERM, group=True)
        if not _wait(lambda: not _group_alive(pid), min(timeout_s, 10.0)):
            _signal(pid, signal.SIGKILL, group=True)
    return killed


def read_state(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data


def write_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    tmp.replace(path)


def tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def spawn(argv: list[str], output: Path, env: dict[str, str] | None = None) -> int:
    """Start a daemon in its own session, output appended to ``output``; return its pid.

    It outlives the command that started it (``infra down``/``newswire down`` stop it by pid).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        return os.posix_spawn(
            argv[0],
            argv,
            dict(os.environ) if env is None else env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, fd, 1),
                (os.POSIX_SPAWN_DUP2, fd, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(fd)
