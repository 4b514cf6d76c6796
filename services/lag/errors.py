"""The lag monitor's exceptions.

LagError
├── KafkaUnavailableError      the cluster cannot be reached or did not answer in time (exit 2)
└── CommitLogUnavailableError  ``__consumer_offsets`` cannot be read (not authorised, not
                               visible): statuses fall back to polled offsets, without STALL
"""

from __future__ import annotations


class LagError(Exception):
    """Base of every lag monitor error."""


class KafkaUnavailableError(LagError):
    pass


class CommitLogUnavailableError(LagError):
    pass
