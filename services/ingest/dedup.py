"""Dedup and versions: the one place that decides whether an article is new, changed or a
duplicate.

``DedupStore`` owns the whole decision: what Kafka acknowledged (in SQLite, so dedup survives
restarts) and what is in flight (sent, not acknowledged yet; a batch sent meanwhile must see it
too). An id seen with the same content hash is a duplicate; with a different hash it is a
changed article, published again with the next version.

A decision is ``claim``ed before the article is sent, and ends once Kafka answered:
``acknowledged`` stores it, ``release`` forgets it. Only what Kafka acknowledged is stored, so
a crash in between means a re-publish (harmless: the indexer is idempotent), never a loss.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shared.models import RawArticle

DedupVerdict = Literal["new", "changed", "duplicate"]

_SQLITE_VARIABLES = 500  # ids per query, under SQLite's bound-variable limit


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: DedupVerdict
    version: int


class DedupStore:
    """Thread-safe: several batches may be in flight at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS published ("
            " id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, version INTEGER NOT NULL)"
        )
        # Sent, not acknowledged yet: id -> (content hash, version).
        self._in_flight: dict[str, tuple[str, int]] = {}

    def claim(self, articles: Sequence[RawArticle]) -> list[Decision]:
        """Decide for each article, in order; new and changed ones count as in flight from now
        on (a later copy in the same batch is its duplicate) until ``acknowledged`` or
        ``release``."""
        with self._lock:
            known = self._stored({a.id for a in articles if a.id not in self._in_flight})
            known.update(self._in_flight)
            decisions = []
            for article in articles:
                seen = known.get(article.id)
                if seen is None:
                    decision = Decision("new", 1)
                elif seen[0] == article.content_hash:
                    decisions.append(Decision("duplicate", seen[1]))
                    continue
                else:
                    decision = Decision("changed", seen[1] + 1)
                known[article.id] = self._in_flight[article.id] = (
                    article.content_hash,
                    decision.version,
                )
                decisions.append(decision)
        return decisions

    def acknowledged(self, articles: Sequence[RawArticle]) -> None:
        """Kafka acknowledged ``articles`` (at their decided versions): store them, end their
        claims."""
        self._record([(a.id, a.content_hash, a.version) for a in articles])
        self.release((a.id, a.version) for a in articles)

    def release(self, claims: Iterable[tuple[str, int]]) -> None:
        """End claims (id, version) that Kafka did not acknowledge (never sent, refused, too
        large): those ids are decided from the stored state again."""
        with self._lock:
            for article_id, version in claims:
                if self._in_flight.get(article_id, (None, None))[1] == version:
                    del self._in_flight[article_id]

    def _stored(self, ids: set[str]) -> dict[str, tuple[str, int]]:
        """Called with the lock held."""
        wanted = list(ids)
        known: dict[str, tuple[str, int]] = {}
        for start in range(0, len(wanted), _SQLITE_VARIABLES):
            chunk = wanted[start : start + _SQLITE_VARIABLES]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT id, content_hash, version FROM published WHERE id IN ({marks})",  # noqa: S608
                chunk,
            ).fetchall()
            known.update({row[0]: (row[1], int(row[2])) for row in rows})
        return known

    def _record(self, entries: list[tuple[str, str, int]]) -> None:
        if not entries:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO published (id, content_hash, version) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET content_hash = excluded.content_hash, "
                "version = excluded.version WHERE excluded.version >= published.version",
                entries,
            )
            self._db.execute("COMMIT")

    def count(self) -> int:
        """How many ids Kafka acknowledged, ever."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM published").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
