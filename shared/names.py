"""Every topic, index and alias name newswire uses, decided here and nowhere else.

A ``namespace`` prefix isolates environments (and tests) that share one broker and one node.

Articles are indexed by publication date: a monthly index (``<ns>-articles-YYYY.MM``) for the
current month and the ``RECENT_MONTHS - 1`` before it (and tomorrow's month, for the day of
slack dates have), a yearly one (``<ns>-articles-YYYY``) for anything older. Dates are first
brought into the plausible window (``shared.models``), so whatever the input the number of
indices stays bounded: one per year since 1990 and one per recent month. Both forms match
``index_pattern``, hence the template and the read alias.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.models import MAX_AHEAD, OLDEST_PUBLISHED

_VALID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
RECENT_MONTHS = 12


@dataclass(frozen=True, slots=True)
class Names:
    """Topic and index names for one namespace (default ``newswire``)."""

    namespace: str = "newswire"

    def __post_init__(self) -> None:
        # Elasticsearch index names must be lower case; Kafka topic names are a subset of this.
        if not _VALID.match(self.namespace) or len(self.namespace) > 100:
            raise ValueError(
                f"invalid namespace {self.namespace!r}: "
                "use lower-case letters, digits, '.', '_', '-'"
            )

    @property
    def incoming_topic(self) -> str:
        """Articles as ingest accepted them, before dedup; key = article id."""
        return f"{self.namespace}.articles.incoming"

    @property
    def raw_topic(self) -> str:
        """New and changed articles, versioned by the dedup stage; key = article id."""
        return f"{self.namespace}.articles.raw"

    @property
    def enriched_topic(self) -> str:
        """Articles with language and entities, published by enrich; key = article id."""
        return f"{self.namespace}.articles.enriched"

    @property
    def dead_letter_topic(self) -> str:
        """Records any stage could not process, with the reason (see ``shared.deadletter``)."""
        return f"{self.namespace}.dead-letter"

    @property
    def feeds_topic(self) -> str:
        """The feed list (compacted): key = feed id, value = its settings, tombstone = removed."""
        return f"{self.namespace}.feeds"

    @property
    def feed_state_topic(self) -> str:
        """Poll state per feed (compacted, co-partitioned with the feed list): ETag,
        Last-Modified, failures, backoff, disabled."""
        return f"{self.namespace}.feed-state"

    @property
    def poller_group(self) -> str:
        """Pollers share the feed list's partitions through this group."""
        return f"{self.namespace}.pollers"

    @property
    def dedup_group(self) -> str:
        """The dedup stage's consumer group (and faust app id: its table's changelog topic is
        ``<group>-<table>-changelog``)."""
        return f"{self.namespace}.dedup"

    @property
    def dedup_table(self) -> str:
        return "seen"

    @property
    def enrich_group(self) -> str:
        return f"{self.namespace}.enrich"

    @property
    def indexer_group(self) -> str:
        return f"{self.namespace}.indexer"

    @property
    def index_template(self) -> str:
        return f"{self.namespace}-articles"

    @property
    def index_pattern(self) -> str:
        return f"{self.namespace}-articles-*"

    @property
    def write_alias(self) -> str:
        """Points at the current monthly index (the indexer names each article's index)."""
        return f"{self.namespace}-articles-write"

    @property
    def read_alias(self) -> str:
        """Search reads through this alias; it spans every monthly and yearly index."""
        return f"{self.namespace}-articles"

    def monthly_index(self, when: datetime) -> str:
        """The monthly index of ``when``'s month."""
        return f"{self.namespace}-articles-{when:%Y.%m}"

    def yearly_index(self, when: datetime) -> str:
        """The yearly index of ``when``'s year."""
        return f"{self.namespace}-articles-{when:%Y}"

    def article_index(self, published_at: datetime, now: datetime) -> str:
        """The index for an article published at ``published_at``, indexed at ``now``."""
        when = min(max(published_at, OLDEST_PUBLISHED), now + MAX_AHEAD)
        months_ago = (now.year - when.year) * 12 + now.month - when.month
        if months_ago < RECENT_MONTHS:
            return self.monthly_index(when)
        return self.yearly_index(when)

    def topics(self) -> tuple[str, str, str]:
        return (self.raw_topic, self.enriched_topic, self.dead_letter_topic)
