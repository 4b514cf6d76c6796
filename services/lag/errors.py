"""The lag monitor's exceptions (``shared.errors`` decides the exit codes).

LagError (NewswireError)
├── KafkaUnavailableError      the cluster cannot be reached or did not answer in time
│                              (also an ``UnavailableError``: exit 3)
├── ExporterBindError          ``lag serve`` cannot listen on its address (exit 1)
└── CommitLogUnavailableError  ``__consumer_offsets`` cannot be read (not authorised, not
                               visible): statuses fall back to polled offsets, without STALL;
                               it never ends a command
"""

from __future__ import annotations

from shared.errors import NewswireError, UnavailableError


class LagError(NewswireError):
    """Base of every lag monitor error."""


class KafkaUnavailableError(LagError, UnavailableError):
    pass


class ExporterBindError(LagError):
    pass


class CommitLogUnavailableError(LagError):
    pass
