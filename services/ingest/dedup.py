"""What ingest has already published, persisted (SQLite) so dedup survives restarts.

An id seen with the same content hash is a duplicate; with a different hash it is a changed
article, published again with the next version. Records are written only after Kafka
acknowledged the article, so a crash in between means a re-publish (harmless: the indexer is
idempotent), never a loss.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Verdict = Literal["new", "changed", "duplicate"]


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    version: int


class DedupStore:
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

    def decide(self, article_id: str, content_hash: str) -> Decision:
        with self._lock:
            row = self._db.execute(
                "SELECT content_hash, version FROM published WHERE id = ?", (article_id,)
            ).fetchone()
        if row is None:
            return Decision("new", 1)
        if row[0] == content_hash:
            return Decision("duplicate", int(row[1]))
        return Decision("changed", int(row[1]) + 1)

    def decide_many(self, items: list[tuple[str, str]]) -> list[Decision]:
        """``decide`` for many (id, content_hash) pairs in one query per chunk."""
        known: dict[str, tuple[str, int]] = {}
        ids = list({article_id for article_id, _ in items})
        with self._lock:
            for start in range(0, len(ids), 500):  # SQLite's variable limit
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT id, content_hash, version FROM published WHERE id IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
                known.update({row[0]: (row[1], int(row[2])) for row in rows})
        decisions = []
        for article_id, content_hash in items:
            row = known.get(article_id)
            if row is None:
                decisions.append(Decision("new", 1))
            elif row[0] == content_hash:
                decisions.append(Decision("duplicate", row[1]))
            else:
                decisions.append(Decision("changed", row[1] + 1))
        return decisions

    def record(self, entries: list[tuple[str, str, int]]) -> None:
        """Remember (id, content_hash, version) triples Kafka has acknowledged."""
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
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM published").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
