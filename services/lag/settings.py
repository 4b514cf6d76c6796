"""Lag monitor settings (env prefix ``NEWSWIRE_LAG_``; Kafka via ``NEWSWIRE_KAFKA_*``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from shared import ports
from shared.settings import ServiceSettings


class LagSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_LAG_", extra="ignore", populate_by_name=True
    )

    groups: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Groups to watch (comma-separated); default: the namespace's dedup, enrich "
        "and indexer groups.",
    )
    all_groups: bool = Field(default=False, description="Watch every consumer group instead.")
    refresh_interval_s: float = Field(default=5.0, gt=0, description="--watch and the exporter.")
    window_s: float = Field(
        default=600.0, gt=0, description="Status window: commits older than this are forgotten."
    )
    min_samples: int = Field(
        default=3, ge=1, description="Commits a window needs before STALL or WARN can be told."
    )
    read_commit_log: bool = Field(
        default=True, description="Read __consumer_offsets (needed to tell STALL from STOP)."
    )
    fetch_timeout_s: float = Field(
        default=2.0, gt=0, description="Budget per refresh for reading record timestamps."
    )
    connect_timeout_s: float = Field(default=10.0, gt=0, description="Give up reaching Kafka.")
    host: str = Field(default=ports.DEFAULT_HOST, description="Exporter address (0.0.0.0: all).")
    port: int = Field(
        default=ports.LAG, ge=0, le=65535, description="Exporter port; 0: any free one."
    )

    @field_validator("groups", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [g.strip() for g in value.split(",") if g.strip()]
        return value

    @property
    def default_groups(self) -> list[str]:
        """The groups watched when neither ``groups`` nor ``all_groups`` is set, in pipeline
        order (a dedup stage that is down shows as its group's lag)."""
        return [self.names.dedup_group, self.names.enrich_group, self.names.indexer_group]
