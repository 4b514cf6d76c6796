"""What happens to a fetched feed: parse, normalise, optionally fetch full text, publish, and
dead-letter whatever cannot become an article."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services.ingest import feeds, fulltext, records
from services.ingest.errors import InvalidInputError
from services.ingest.feedlist import FeedConfig
from services.ingest.fetcher import Fetcher, FetchResult
from services.ingest.publisher import Publisher
from shared.models import RawArticle

log = logging.getLogger(__name__)


class FeedHandler:
    """Callable for the poller: returns the feed's TTL (seconds) as a polling lower bound.

    A feed that cannot be parsed at all is dead-lettered and raises (the poller counts the
    failure and backs off).
    """

    def __init__(self, publisher: Publisher, fetcher: Fetcher) -> None:
        self.publisher = publisher
        self.fetcher = fetcher

    def __call__(self, feed: FeedConfig, result: FetchResult) -> float | None:
        source = f"feed:{feed.id}"
        try:
            parsed = feeds.parse(result.content, url=result.url, headers=result.headers)
        except InvalidInputError as exc:
            self.publisher.dead_letter(
                reason=exc.reason, error=str(exc), payload=result.content, source=source
            )
            raise
        if parsed.warning:
            log.warning(
                "feed not well-formed, read liberally feed=%s problem=%s", feed.id, parsed.warning
            )
        fetched_at = datetime.now(UTC)
        articles: list[RawArticle] = []
        locations: list[str] = []
        for index, entry in enumerate(parsed.entries):
            try:
                if isinstance(entry, InvalidInputError):
                    raise entry
                if (
                    feed.full_text
                    and entry.url
                    and fulltext.needs_full_text(entry.body or "", entry.summary or "")
                ):
                    text = fulltext.extract(self.fetcher, entry.url)
                    if text:
                        entry = entry.model_copy(update={"body": text})
                article = records.build(
                    entry,
                    source_kind="feed",
                    default_source=feed.id,
                    fetched_at=fetched_at,
                    language_hint=parsed.language or feed.language,
                    feed_id=feed.id,
                )
            except InvalidInputError as exc:
                payload = (
                    b""
                    if isinstance(entry, InvalidInputError)
                    else entry.model_dump_json().encode()
                )
                self.publisher.dead_letter(
                    reason=exc.reason, error=str(exc), payload=payload, source=f"{source}[{index}]"
                )
                continue
            articles.append(article)
            locations.append(f"{source}[{index}]")
        outcomes = self.publisher.publish(articles, locations)
        log.info(
            "feed ingested feed=%s entries=%d published=%d",
            feed.id,
            len(parsed.entries),
            sum(1 for o in outcomes if o.status == "published"),
        )
        return parsed.ttl_s
