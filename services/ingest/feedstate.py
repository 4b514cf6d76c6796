"""What the poller remembers about each feed (validators, failures, schedule, why it was
disabled), in SQLite (WAL) under the state dir, so it survives restarts.

The store is shared by the poller's worker threads and by ``newswire feeds list|enable``.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class FeedState:
    """What the poller remembers about one feed (times are epoch seconds)."""

    feed_id: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0  # consecutive
    next_due: float = 0.0
    disabled: bool = False
    disabled_reason: str | None = None
    last_error: str | None = None
    last_status: int | None = None
    last_success: float | None = None
    last_attempt: float | None = None
    # The feed's last <ttl>, so that it still applies while the feed answers 304.
    ttl_s: float | None = None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_state (
    feed_id TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    failures INTEGER NOT NULL,
    next_due REAL NOT NULL,
    disabled INTEGER NOT NULL,
    disabled_reason TEXT,
    last_error TEXT,
    last_status INTEGER,
    last_success REAL,
    last_attempt REAL,
    ttl_s REAL
)
"""
_UPSERT = """
INSERT INTO feed_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(feed_id) DO UPDATE SET
    etag = excluded.etag,
    last_modified = excluded.last_modified,
    failures = excluded.failures,
    next_due = excluded.next_due,
    disabled = excluded.disabled,
    disabled_reason = excluded.disabled_reason,
    last_error = excluded.last_error,
    last_status = excluded.last_status,
    last_success = excluded.last_success,
    last_attempt = excluded.last_attempt,
    ttl_s = excluded.ttl_s
"""
_SELECT = """
SELECT feed_id, etag, last_modified, failures, next_due, disabled, disabled_reason, last_error,
       last_status, last_success, last_attempt, ttl_s
FROM feed_state
"""


class FeedStateStore:
    """Feed states in SQLite (WAL), safe to share between threads; survives restarts."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        # One connection shared under the lock; autocommit, each write is one statement.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get(self, feed_id: str) -> FeedState:
        """The stored state, or a fresh one that is due now."""
        with self._lock:
            row = self._db.execute(f"{_SELECT} WHERE feed_id = ?", (feed_id,)).fetchone()
        return _state(row) if row else FeedState(feed_id=feed_id)

    def put(self, state: FeedState) -> None:
        # Column order = field order; sqlite3 stores the bool as 0/1.
        with self._lock:
            self._db.execute(_UPSERT, astuple(state))

    def all(self) -> dict[str, FeedState]:
        with self._lock:
            rows = self._db.execute(_SELECT).fetchall()
        return {row[0]: _state(row) for row in rows}

    def enable(self, feed_id: str) -> bool:
        """Re-enable a disabled feed, due now with no failures; False if it was not disabled."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE feed_state SET disabled = 0, disabled_reason = NULL, failures = 0, "
                "next_due = 0 WHERE feed_id = ? AND disabled = 1",
                (feed_id,),
            )
        return cursor.rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _state(row: tuple[Any, ...]) -> FeedState:
    state = FeedState(*row)  # _SELECT lists the columns in field order
    state.disabled = bool(state.disabled)
    return state
