"""The errors every service shares, and the one table of exit codes.

NewswireError                 base of the errors below; ``exit_code`` says how a command ends
├── UsageError                bad arguments, settings or input files (exit 2)
├── UnavailableError          Kafka or Elasticsearch unreachable, or refusing (exit 3)
│   └── NotAcknowledgedError  Kafka did not acknowledge a record it was sent
└── CheckFailedError          found a problem: audit imbalance, lag STOP... (exit 1)

Each service's own exceptions (``services/<app>/errors.py``) derive from these where they end a
command, so the exit code of a command is decided here and nowhere else.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """How every ``newswire`` command ends (the README's table is checked against this)."""

    OK = 0  # done; a long-running service stopped by SIGTERM/SIGINT
    FAILED = 1  # the command ran and the answer is "no": imbalance, lag STOP/STALL, work failed
    USAGE = 2  # bad arguments, settings or input
    UNAVAILABLE = 3  # Kafka or Elasticsearch could not be reached (or kept refusing outputs)


class NewswireError(Exception):
    """Base of every error that ends a command; ``exit_code`` is how it ends."""

    exit_code: ExitCode = ExitCode.FAILED


class UsageError(NewswireError):
    exit_code = ExitCode.USAGE


class UnavailableError(NewswireError):
    exit_code = ExitCode.UNAVAILABLE


class NotAcknowledgedError(UnavailableError):
    """Kafka did not acknowledge a record: nothing about it may be reported as done."""


class CheckFailedError(NewswireError):
    exit_code = ExitCode.FAILED


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code a command ends with when ``exc`` stops it."""
    if isinstance(exc, NewswireError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.OK
    return ExitCode.FAILED
