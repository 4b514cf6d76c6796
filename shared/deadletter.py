"""The dead-letter record: what any stage publishes when it cannot process an input.

Nothing is dropped: an input that cannot become a valid article, cannot be enriched or is
rejected by Elasticsearch becomes one of these, keyed by the article id when known.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

Stage = Literal["ingest", "enrich", "indexer"]
DEFAULT_EXCERPT_BYTES = 64 * 1024


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: Stage
    reason: str = Field(description="Short machine-friendly cause, e.g. 'invalid-article'.")
    error: str = Field(description="Human-readable detail (validation errors, ES error...).")
    source: str | None = None
    article_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    payload: str = Field(description="The original input, decoded leniently, truncated.")
    payload_bytes: int = Field(ge=0, description="Size of the original input.")
    payload_truncated: bool
    failed_at: datetime

    @classmethod
    def build(
        cls,
        *,
        stage: Stage,
        reason: str,
        error: str,
        payload: bytes | str,
        limit: int = DEFAULT_EXCERPT_BYTES,
        **where: object,
    ) -> Self:
        raw = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else payload
        return cls.model_validate(
            {
                "stage": stage,
                "reason": reason,
                "error": error,
                # Invalid UTF-8 is kept visible (U+FFFD) rather than failing the dead-letter itself.
                "payload": raw[:limit].decode("utf-8", "replace"),
                "payload_bytes": len(raw),
                "payload_truncated": len(raw) > limit,
                "failed_at": datetime.now(UTC),
                **where,
            }
        )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()
