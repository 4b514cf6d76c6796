"""Consumer status from a sliding window of offset commits, after Burrow's evaluation rules.

Source: Burrow, "Consumer Lag Evaluation Rules"
(https://github.com/linkedin/Burrow/wiki/Consumer-Lag-Evaluation-Rules) and its evaluator
(``core/internal/evaluator/caching.go``). Burrow judges a partition from the last N commits it saw
instead of a lag threshold; newswire keeps the idea and the rule order, with a time window.

For each partition the window holds the commits of the last ``window_s`` seconds, each with the
lag the partition had when it was made (``None`` when unknown). First matching rule wins:

1. No committed offset, or no lag now -> OK. Nothing is waiting, whatever the history.
2. Lag was zero at some commit in the window -> OK. (Burrow rule 1: the consumer caught up
   within the window.)
3. An offset lower than the one committed before it -> REWIND. (Burrow rule 2.)
4. No commit in the window, while the partition has been lagging for at least the window and
   commits have been watched for at least the window -> STOP. (Burrow rule 3 compares the time
   since the last commit with the time its stored commits span; with a time window, "no commit in
   the whole window" asks the same.) The lag must be as old as the window so that an idle consumer
   just sent a message is not called stopped (the false alarm Burrow fixed in its PR #338).
5. Fewer than ``min_samples`` commits -> OK, marked incomplete: too little evidence to accuse.
6. Every commit in the window has the same offset -> STALL. (Burrow rule 4: committing, not
   moving.)
7. The lag never decreased from one commit to the next -> WARN. (Burrow rule 5: moving, but
   slower than the producers.) Commits of unknown lag are skipped; two known lags are needed.
8. Otherwise -> OK.

Severity, as in Burrow: OK < WARN < STOP < STALL < REWIND; a group takes its worst partition's
status. STOP, STALL and REWIND are errors; WARN is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    STOP = "STOP"
    STALL = "STALL"
    REWIND = "REWIND"

    @property
    def code(self) -> int:
        """The number exported to Prometheus (``newswire_lag_status``): 0 OK ... 4 REWIND."""
        return _CODES[self]

    @property
    def is_error(self) -> bool:
        return self in (Status.STOP, Status.STALL, Status.REWIND)


_CODES = {status: code for code, status in enumerate(Status)}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: s.code, default=Status.OK)


@dataclass(frozen=True, slots=True)
class Commit:
    """One offset commit: when (unix seconds), which offset, and the lag at that moment."""

    at: float
    offset: int
    lag: int | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What is known about one partition of one group at evaluation time."""

    commits: Sequence[Commit]
    """Commits of the window, oldest first."""
    lag: int | None
    """Lag now; None when the group has no committed offset for the partition."""
    lagging_for_s: float | None = None
    """How long messages have been waiting on the partition; None when unknown."""
    observed_for_s: float = 0.0
    """How far back commits are known; at least the window once the history is complete."""


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason: str
    complete: bool = True


def evaluate(evidence: Evidence, *, window_s: float, min_samples: int) -> Verdict:
    """Apply the rules of the module docstring, in order."""
    commits = evidence.commits
    if evidence.lag is None:
        return Verdict(Status.OK, "no committed offset")
    if evidence.lag == 0:
        return Verdict(Status.OK, "no lag")
    if any(c.lag == 0 for c in commits):
        return Verdict(Status.OK, "caught up within the window")
    for before, after in pairwise(commits):
        if after.offset < before.offset:
            return Verdict(Status.REWIND, f"offset back from {before.offset} to {after.offset}")
    if not commits:
        lagging_long = evidence.lagging_for_s is not None and evidence.lagging_for_s >= window_s
        if lagging_long and evidence.observed_for_s >= window_s:
            return Verdict(Status.STOP, f"no commit for {window_s:g}s while lagging")
        return Verdict(Status.OK, "no commit seen yet", complete=False)
    if len(commits) < min_samples:
        return Verdict(
            Status.OK, f"{len(commits)} commit(s) in the window, {min_samples} needed", False
        )
    if all(c.offset == commits[0].offset for c in commits):
        return Verdict(Status.STALL, f"committing offset {commits[0].offset} while lagging")
    known = [c.lag for c in commits if c.lag is not None]
    if len(known) >= 2 and all(b >= a for a, b in pairwise(known)):
        return Verdict(Status.WARN, "lag growing while committing")
    return Verdict(Status.OK, "consuming")
