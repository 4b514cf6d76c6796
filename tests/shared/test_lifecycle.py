"""The service lifecycle: resources closed newest first, signals stop, exceptions -> exit codes."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from shared.errors import ExitCode, UnavailableError, UsageError
from shared.lifecycle import Lifecycle


def test_resources_close_newest_first_even_when_one_fails() -> None:
    closed: list[str] = []

    def broken(_name: str) -> None:
        closed.append("broken")
        raise RuntimeError("cannot close")

    with Lifecycle("t", shutdown_timeout_s=1) as life:
        life.resource("a", closed.append)
        life.resource("b", broken)
        life.resource("c", closed.append)
    assert closed == ["c", "broken", "a"]
    assert life.exit_code == ExitCode.OK


def test_sigterm_sets_stop_and_runs_callbacks_then_handlers_are_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    woke = threading.Event()
    with Lifecycle("t", shutdown_timeout_s=1) as life:
        life.on_stop(woke.set)
        os.kill(os.getpid(), signal.SIGTERM)
        assert life.stop.wait(5)
        assert woke.is_set()
        # The first signal gave the handlers back: a second one is not swallowed.
        assert signal.getsignal(signal.SIGTERM) == before
    assert life.exit_code == ExitCode.OK
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("bad"), ExitCode.USAGE),
        (UnavailableError("no broker"), ExitCode.UNAVAILABLE),
        (RuntimeError("bug"), ExitCode.FAILED),
    ],
)
def test_an_exception_becomes_the_exit_code(error: Exception, code: ExitCode) -> None:
    closed: list[str] = []
    with Lifecycle("t", shutdown_timeout_s=1) as life:
        life.resource("r", closed.append)
        raise error
    assert life.exit_code == code
    assert closed == ["r"]
    assert life.stop.is_set()


def test_fail_stops_with_its_code() -> None:
    with Lifecycle("t", shutdown_timeout_s=1) as life:
        life.fail(ExitCode.UNAVAILABLE, "outputs unwritable")
        assert life.stop.is_set()
    assert life.exit_code == ExitCode.UNAVAILABLE


def test_on_stop_registered_after_the_stop_runs_at_once() -> None:
    called: list[bool] = []
    with Lifecycle("t", shutdown_timeout_s=1) as life:
        life.request_stop("test")
        life.on_stop(lambda: called.append(True))
    assert called == [True]
