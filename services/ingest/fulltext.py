"""Full text for feeds that carry only a summary: fetch the linked page, extract its main text
(trafilatura, no network of its own: we hand it the bytes our polite fetcher got)."""

from __future__ import annotations

import logging

import trafilatura

from services.ingest.errors import FetchError
from services.ingest.fetcher import Fetcher

log = logging.getLogger(__name__)

# Below this many characters a feed body is taken for a summary.
SUMMARY_ONLY_CHARS = 600


def needs_full_text(body: str, summary: str) -> bool:
    return len(body or summary) < SUMMARY_ONLY_CHARS


def extract(fetcher: Fetcher, url: str) -> str | None:
    """The page's main text with paragraph breaks, or None (the feed's text is kept then)."""
    try:
        result = fetcher.fetch(url)
    except FetchError as exc:
        log.warning("full-text fetch failed url=%s kind=%s error=%s", url, exc.kind, exc)
        return None
    try:
        html = result.content.decode(_charset(result.headers), "replace")
    except LookupError:  # unknown charset name: UTF-8 with replacement characters
        html = result.content.decode("utf-8", "replace")
    try:
        text = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=False, favor_precision=True
        )
    except Exception:  # extraction is optional: the feed's own text is kept
        log.exception("full-text extraction failed url=%s", url)
        return None
    if not text:
        log.info("no main text found url=%s", url)
        return None
    # trafilatura separates paragraphs with single newlines; our bodies use blank lines.
    return "\n\n".join(line.strip() for line in str(text).splitlines() if line.strip())


def _charset(headers: dict[str, str]) -> str:
    content_type = headers.get("content-type", "")
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"'")
    return "utf-8"
