"""Enrich's errors; each ends ``newswire enrich`` with its base's exit code (``shared.errors``).

UsageError (exit 2)
└── ModelMissingError       a model the settings name is not installed
NewswireError (exit 1)
└── WorkerCrashedError      the faust worker crashed (``shared.streams``)
UnavailableError (exit 3)   Kafka unreachable at start (raised as is)
└── NotAcknowledgedError    Kafka kept refusing an output (raised as is)
"""

from __future__ import annotations

from shared.errors import UsageError
from shared.streams import WorkerCrashedError


class ModelMissingError(UsageError):
    """A configured model cannot be loaded: restarting does not help, installing it does."""


__all__ = ["ModelMissingError", "WorkerCrashedError"]
