"""What happens to a fetched feed: parse it, fetch the full text of summary-only entries when
the feed asks for it, and hand the entries to the intake."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime

from services.ingest import feeds, fulltext
from services.ingest.article_input import ArticleInput, Origin
from services.ingest.errors import InvalidInputError
from services.ingest.feedlist import FeedConfig
from services.ingest.fetcher import Fetcher, FetchResult
from services.ingest.intake import Intake, IntakeItem

log = logging.getLogger(__name__)


class FeedHandler:
    """Callable for the poller: returns the feed's TTL (seconds) as a polling lower bound.

    A feed that cannot be parsed at all is dead-lettered and raises (the poller counts the
    failure and backs off).
    """

    def __init__(self, intake: Intake, fetcher: Fetcher) -> None:
        self.intake = intake
        self.fetcher = fetcher

    def __call__(self, feed: FeedConfig, result: FetchResult) -> float | None:
        source = f"feed:{feed.id}"
        origin = Origin("feed", feed.id, datetime.now(UTC), feed_id=feed.id)
        try:
            parsed = feeds.parse(result.content, url=result.url, headers=result.headers)
        except InvalidInputError as exc:
            self.intake.take([IntakeItem(source, result.content, exc, origin)])
            raise
        if parsed.warning:
            log.warning(
                "feed not well-formed, read liberally feed=%s problem=%s", feed.id, parsed.warning
            )
        origin = dataclasses.replace(origin, language_hint=parsed.language or feed.language)
        items = [
            IntakeItem(f"{source}[{index}]", None, self._full_text(feed, entry), origin)
            for index, entry in enumerate(parsed.entries)
        ]
        outcomes = self.intake.take(items)
        log.info(
            "feed ingested feed=%s entries=%d accepted=%d",
            feed.id,
            len(parsed.entries),
            sum(1 for o in outcomes if o.status == "accepted"),
        )
        return parsed.ttl_s

    def _full_text(
        self, feed: FeedConfig, entry: ArticleInput | InvalidInputError
    ) -> ArticleInput | InvalidInputError:
        """The entry, with the linked page's text as its body when the feed carries only a
        summary and asks for full text."""
        if isinstance(entry, InvalidInputError) or not (feed.full_text and entry.url):
            return entry
        if not fulltext.needs_full_text(entry.body or "", entry.summary or ""):
            return entry
        text = fulltext.extract(self.fetcher, entry.url)
        return entry.model_copy(update={"body": text}) if text else entry
