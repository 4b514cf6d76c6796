"""The lag report: what `newswire lag --json` prints and the exporter turns into metrics.

No figure is ever NaN or negative: where a value cannot be known it is null, and
``lag_seconds_source`` says how ``lag_seconds`` was obtained (``exact``: timestamp of the first
unconsumed record; ``interpolated``: from the log-end offsets sampled over time; ``none``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.lag.rules import Status, worst

LagSecondsSource = Literal["exact", "interpolated", "none"]


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PartitionLag(_Report):
    topic: str
    partition: int = Field(ge=0)
    committed_offset: int | None = Field(default=None, ge=0)
    log_end_offset: int | None = Field(default=None, ge=0)
    lag: int | None = Field(default=None, ge=0)
    lag_seconds: float | None = Field(default=None, ge=0)
    lag_seconds_source: LagSecondsSource = "none"
    status: Status = Status.OK
    status_reason: str = ""
    status_complete: bool = Field(
        default=True, description="False while the window holds too little to accuse."
    )
    commits_in_window: int = Field(default=0, ge=0)
    consumer_id: str | None = None
    client_host: str | None = None


class MaxLag(_Report):
    topic: str
    partition: int
    lag: int = Field(ge=0)


class GroupLag(_Report):
    group: str
    state: str = Field(description="Group state as the coordinator reports it (Stable, Empty...).")
    status: Status
    status_reason: str
    total_lag: int = Field(ge=0, description="Sum over partitions with a committed offset.")
    max_lag: MaxLag | None = Field(default=None, description="The most lagging partition, if any.")
    max_lag_seconds: float | None = Field(default=None, ge=0)
    partitions: list[PartitionLag]


class LagReport(_Report):
    at: datetime
    refresh_seconds: float = Field(ge=0)
    groups: list[GroupLag]

    @property
    def status(self) -> Status:
        return worst(g.status for g in self.groups)
