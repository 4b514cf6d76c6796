"""Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) -> article input records.

XML goes through feedparser, but only after a guard: a document that declares entities in its
DOCTYPE is refused outright, since real feeds never need them and they are how XML bombs
("billion laughs") and external-entity reads work.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax import SAXException

import feedparser

from services.ingest.article_input import ArticleInput
from services.ingest.errors import FeedParseError

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_JSONFEED = "https://jsonfeed.org/version/"


@dataclass(slots=True)
class ParsedFeed:
    title: str
    language: str | None
    ttl_s: float | None
    warning: str | None = None  # set when the XML was not well-formed but still readable
    entries: list[ArticleInput | FeedParseError] = field(default_factory=list)


def looks_like_json_feed(content: bytes) -> bool:
    head = content.lstrip()[:200]
    return head.startswith(b"{") and b"jsonfeed.org" in content[:2000]


def parse(content: bytes, *, url: str = "", headers: dict[str, str] | None = None) -> ParsedFeed:
    """Parse a feed document. Raise ``FeedParseError`` if it is not a usable feed at all;
    entries that are individually unusable are returned as ``FeedParseError`` items."""
    if not content.strip():
        raise FeedParseError("empty-feed", "the feed document is empty")
    if looks_like_json_feed(content):
        return _parse_json_feed(content)
    return _parse_xml_feed(content, url, headers or {})


def _parse_xml_feed(content: bytes, url: str, headers: dict[str, str]) -> ParsedFeed:
    if _DOCTYPE.search(content[:10_000]) and _ENTITY_DECL.search(content):
        raise FeedParseError(
            "xml-entities", "the document declares XML entities (entity expansion is refused)"
        )
    parsed = feedparser.parse(
        content,
        # Files have no HTTP headers: say it is XML, or feedparser flags every file feed.
        response_headers={"content-location": url, "content-type": "application/xml", **headers},
        sanitize_html=False,  # we convert to text ourselves; keep all text
        resolve_relative_uris=False,  # links inside HTML: we keep its text only
    )
    version = parsed.get("version") or ""
    problem = parsed.get("bozo_exception")
    if isinstance(problem, SAXException):
        # Not well-formed (truncated download, broken markup): a partial entry would be
        # published as if complete, so the document is refused as a whole and dead-lettered.
        raise FeedParseError("malformed-feed", f"the feed is not well-formed XML: {problem}")
    if not parsed.entries and (parsed.bozo or not version):
        problem = parsed.get("bozo_exception")
        detail = f": {problem}" if problem else ""
        raise FeedParseError("malformed-feed", f"not a readable RSS/Atom feed{detail}")
    feed = parsed.feed
    language = feed.get("language")
    ttl: float | None = None
    try:
        ttl = float(feed["ttl"]) * 60 if feed.get("ttl") else None
    except (TypeError, ValueError):
        ttl = None
    # Benign problems (e.g. a declared encoding that was wrong) are reported, not fatal.
    warning = str(parsed.get("bozo_exception")) if parsed.bozo else None
    result = ParsedFeed(
        title=str(feed.get("title", "")), language=language, ttl_s=ttl, warning=warning
    )
    for entry in parsed.entries:
        result.entries.append(_entry(entry, language))
    return result


def _struct_to_iso(struct: Any) -> str | None:
    if not struct:
        return None
    year, month, day, hour, minute, second = struct[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()


# Entries are FeedParserDicts: their .get maps aliases and raises KeyError inside for every
# missing key. The keys read here are stored under these names, so dict.get reads them directly.
_get = dict.get


def _entry(entry: Any, feed_language: str | None) -> ArticleInput | FeedParseError:
    content = _get(entry, "content") or []
    body = max((_get(c, "value") or "" for c in content), key=len, default="")
    body_language = next((_get(c, "language") for c in content if _get(c, "language")), None)
    summary_detail = _get(entry, "summary_detail") or {}
    title_detail = _get(entry, "title_detail") or {}
    authors = [name for a in _get(entry, "authors") or [] if (name := _get(a, "name"))]
    # Prefer feedparser's parsed date; fall back to the raw text (our own parser knows more).
    # (entry.get would also map published<->updated, with a deprecation warning.)
    published = (
        _struct_to_iso(_get(entry, "published_parsed"))
        or _struct_to_iso(_get(entry, "updated_parsed"))
        or _get(entry, "published")
        or _get(entry, "updated")
    )
    language = (
        _get(entry, "language")  # <dc:language> on the item
        or body_language
        or _get(title_detail, "language")
        or _get(summary_detail, "language")
        or feed_language
    )
    summary = _get(entry, "summary")
    try:
        return ArticleInput(
            url=_get(entry, "link"),
            guid=_get(entry, "id"),
            title=_get(entry, "title"),
            summary=summary if summary != body else None,
            body=body or None,
            authors=authors or None,
            author=_get(entry, "author") if not authors else None,
            published=published,
            language=language,
        )
    except ValueError as exc:
        return FeedParseError("invalid-entry", f"feed entry unusable: {exc}")


def _parse_json_feed(content: bytes) -> ParsedFeed:
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedParseError("malformed-feed", f"invalid JSON Feed: {exc}") from exc
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(_JSONFEED):
        raise FeedParseError("malformed-feed", "not a JSON Feed (missing version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedParseError("malformed-feed", "JSON Feed without an items list")
    language = document.get("language") if isinstance(document.get("language"), str) else None
    result = ParsedFeed(title=str(document.get("title", "")), language=language, ttl_s=None)
    for item in items:
        result.entries.append(_json_item(item, language))
    return result


def _json_item(item: Any, language: str | None) -> ArticleInput | FeedParseError:
    if not isinstance(item, dict):
        return FeedParseError("invalid-entry", "JSON Feed item is not an object")
    authors = item.get("authors")
    names = (
        [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
        if isinstance(authors, list)
        else []
    )
    try:
        return ArticleInput.model_validate(
            {
                "url": item.get("url") or item.get("external_url"),
                "guid": str(item["id"]) if item.get("id") is not None else None,
                "title": item.get("title"),
                "summary": item.get("summary"),
                "body": item.get("content_html") or item.get("content_text"),
                "authors": names or None,
                "published": item.get("date_published") or item.get("date_modified"),
                "language": item.get("language") or language,
            }
        )
    except ValueError as exc:
        return FeedParseError("invalid-entry", f"JSON Feed item unusable: {exc}")
