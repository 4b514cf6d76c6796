"""Settings of the local infrastructure runner (env prefix ``NEWSWIRE_INFRA_``)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.paths import default_state_dir


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newswire"


class InfraSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSWIRE_INFRA_", extra="ignore")

    kafka_version: str = "4.1.2"
    log4j_version: str = Field(default="2.25.3", description="Must equal kafka-server's log4j.")
    es_version: str = "9.2.4"

    kafka_port: int = Field(default=9092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=9093, ge=1, le=65535)
    es_port: int = Field(default=9200, ge=1, le=65535)
    es_transport_port: int = Field(default=9300, ge=1, le=65535)

    kafka_heap: str = "512m"
    es_heap: str = "512m"

    cache_dir: Path = Field(default_factory=_default_cache_dir)
    # The one default every entry point shares (``shared.paths``).
    state_dir: Path = Field(default_factory=default_state_dir)
    kafka_java_home: Path | None = Field(
        default=None, description="JDK 17+ for Kafka; default: JAVA_HOME, then `java` on PATH."
    )
    es_java_home: Path | None = Field(
        default=None, description="JDK 21+ for Elasticsearch 9; default: newest in /usr/lib/jvm."
    )
    es_user: str = Field(default="newswire-es", description="System user running ES as root.")
    maven: str = "mvn"
    start_timeout_s: float = Field(default=180.0, gt=0)
    stop_timeout_s: float = Field(default=60.0, gt=0)

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def es_url(self) -> str:
        return f"http://127.0.0.1:{self.es_port}"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "infra.json"
