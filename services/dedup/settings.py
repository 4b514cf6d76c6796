"""Dedup stage settings (env prefix ``NEWSWIRE_DEDUP_``; Kafka ``NEWSWIRE_KAFKA_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared import ports
from shared.settings import ServiceSettings


class DedupSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_DEDUP_", extra="ignore", populate_by_name=True
    )

    host: str = Field(default=ports.DEFAULT_HOST, description="faust web: /metrics, probes.")
    port: int = Field(default=ports.DEDUP, ge=1, le=65535)
    batch_size: int = Field(default=500, ge=1, le=10_000)
    # How long a batch waits to fill: the floor of dedup latency under light load.
    batch_within_s: float = Field(default=0.05, gt=0)
    session_timeout_s: float = Field(default=10.0, ge=6, le=300)
    # Each worker keeps its table partitions here, under <group>-<port> (one per worker).
    data_dir: Path = Field(default=Path("/tmp/newswire-dedup"))  # noqa: S108 (faust state)
    store: Literal["rocksdb", "memory"] = Field(
        default="rocksdb",
        description="memory: tests and one-off runs (rebuilt from the changelog).",
    )
    # RocksDB memory, for all of a worker's partitions together (split evenly between them).
    block_cache_mb: int = Field(default=64, ge=8)
    write_buffer_mb: int = Field(default=32, ge=4)

    @property
    def worker_dir(self) -> Path:
        return self.data_dir / f"{self.names.dedup_group}-{self.port}"
