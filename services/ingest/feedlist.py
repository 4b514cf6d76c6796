"""The list of feeds to poll: a JSON file (``NEWSWIRE_INGEST_FEEDS_FILE``), one entry per feed
with its own settings, managed with ``newswire feeds add|list|remove``."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from services.ingest.errors import FeedListError
from shared.ids import canonical_url


class FeedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")
    url: str
    interval_s: float | None = Field(default=None, gt=0, description="Default: poll setting.")
    full_text: bool = Field(default=False, description="Fetch linked pages for the full text.")
    language: str | None = Field(default=None, description="Hint when the feed declares none.")
    enabled: bool = True


_LIST = TypeAdapter(list[FeedConfig])


def default_feed_id(url: str) -> str:
    canonical = canonical_url(url) or url
    host = canonical.split("/")[2] if "://" in canonical else "feed"
    return f"{host}-{hashlib.sha256(canonical.encode()).hexdigest()[:8]}"


def new_feed(url: str, feed_id: str | None = None, **options: Any) -> FeedConfig:
    """A feed to add (its id derived from the URL unless given); ``FeedListError`` if invalid."""
    try:
        return FeedConfig(id=feed_id or default_feed_id(url), url=url, **options)
    except ValidationError as exc:
        raise FeedListError(f"not a valid feed: {exc}") from exc


def load(path: Path) -> list[FeedConfig]:
    """The feeds of ``path`` (none when it does not exist); ``FeedListError`` when it is not a
    valid feed list."""
    if not path.exists():
        return []
    try:
        return _LIST.validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise FeedListError(f"{path} is not a valid feed list: {exc}") from exc


def save(path: Path, feeds: list[FeedConfig]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([f.model_dump(exclude_none=True) for f in feeds], indent=2) + "\n")
    os.replace(tmp, path)


def add(path: Path, feed: FeedConfig) -> list[FeedConfig]:
    feeds = load(path)
    if any(f.id == feed.id for f in feeds):
        raise FeedListError(f"a feed with id {feed.id!r} already exists")
    if canonical_url(feed.url) is None:
        raise FeedListError(f"not an http(s) URL: {feed.url!r}")
    feeds.append(feed)
    save(path, feeds)
    return feeds


def remove(path: Path, feed_id: str) -> list[FeedConfig]:
    feeds = load(path)
    kept = [f for f in feeds if f.id != feed_id]
    if len(kept) == len(feeds):
        raise FeedListError(f"no feed with id {feed_id!r} in {path}")
    save(path, kept)
    return kept


def find(path: Path, feed_id: str) -> FeedConfig:
    """The feed ``feed_id`` of the list; ``FeedListError`` when there is none."""
    for feed in load(path):
        if feed.id == feed_id:
            return feed
    raise FeedListError(f"no feed with id {feed_id!r} in {path}")
