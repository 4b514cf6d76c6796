"""Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) -> article input records.

XML goes through feedparser, but only after a guard: a document that declares an entity or has
an internal DTD subset is refused outright (reason ``xml-entities``), since real feeds never need
them and they are how XML bombs ("billion laughs") and external-entity reads work. The guard
reads the document as feedparser will: decoded the way feedparser decodes it (BOM, HTTP charset,
XML declaration, then its fallbacks), so no encoding (UTF-16, UTF-32, EBCDIC...) and no position
in the document hides a declaration. It looks at the whole text, not only at a well-formed
DOCTYPE: feedparser's loose parser, used when the strict one fails, still expands entities
declared in a broken DOCTYPE. A plain ``<!DOCTYPE rss PUBLIC ...>`` (RSS 0.91) is accepted.

Elements nested deeper than ``MAX_DEPTH`` are refused too (``feed-too-deep``): feedparser
keeps a frame per open element, and 10 MiB of unclosed ``<x>`` held some 900 MB.

Memory bound: with no entity expansion and bounded depth, what parsing holds grows with the
document and the entries in it. Parsing a feed within the 10 MiB response limit peaks at about
17 times its size: 180 MB of resident memory for 10 MiB of short entries (52,000 of them), the
densest case, 1.3 times what bare feedparser takes on it; long entries and hostile documents
(entity bombs in any encoding, deep nesting) take a few times less (``bench/feed_parse_memory.py``).

One entry that cannot become an article is one ``FeedParseError`` item, never the loss of the
feed: whatever an entry holds, its neighbours are read.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from xml.sax import SAXException

import feedparser
import feedparser.api
from feedparser.encodings import convert_to_utf8

from services.ingest.article_input import ArticleInput
from services.ingest.errors import FeedParseError
from services.ingest.normalize import parse_date

# Case-insensitive although XML is not: feedparser's loose parser is less particular.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
# Feeds nest a few levels, XHTML content a few dozen; feedparser keeps a frame per open element
# (~300 bytes), so 10 MiB of "<x>" held some 900 MB.
MAX_DEPTH = 256


class _TooDeepError(Exception):
    pass


def _depth_limited(parser_class: Any) -> Any:
    """feedparser's parser class, refusing elements nested deeper than ``MAX_DEPTH``. Both
    feedparser parsers count the open elements (``depth``) in the same method; the check costs
    one comparison per element, where a separate pass over the document would cost a parse."""

    class DepthLimited(parser_class):  # type: ignore[misc]
        def unknown_starttag(self, tag: str, attrs: list[tuple[str, str]]) -> None:
            if self.depth >= MAX_DEPTH:
                raise _TooDeepError
            super().unknown_starttag(tag, attrs)

    return DepthLimited


# feedparser.parse builds its parsers from these module names at each call: the limit applies
# to every parse in the process (nothing else here uses feedparser).
if not getattr(feedparser.api.StrictFeedParser, "newswire_depth_limited", False):
    feedparser.api.StrictFeedParser = _depth_limited(feedparser.api.StrictFeedParser)
    feedparser.api.LooseFeedParser = _depth_limited(feedparser.api.LooseFeedParser)
    feedparser.api.StrictFeedParser.newswire_depth_limited = True
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


def refuse_declarations(content: bytes, headers: dict[str, str]) -> None:
    """Raise ``FeedParseError("xml-entities")`` if the document, decoded as feedparser decodes
    it with these headers, declares an entity or has an internal DTD subset."""
    # The very function feedparser.parse runs first: the bytes it returns are what both of its
    # parsers read (the loose one decodes them as UTF-8; the raw input when no encoding fits).
    text = convert_to_utf8(dict(headers), content, {})
    if _ENTITY_DECL.search(text):
        raise FeedParseError(
            "xml-entities", "the document declares XML entities (entity expansion is refused)"
        )
    if _INTERNAL_SUBSET.search(text):
        raise FeedParseError(
            "xml-entities", "the document has an internal DTD subset (DTDs are refused)"
        )


def _parse_xml_feed(content: bytes, url: str, headers: dict[str, str]) -> ParsedFeed:
    # Files have no HTTP headers: say it is XML, or feedparser flags every file feed.
    response_headers = {"content-location": url, "content-type": "application/xml", **headers}
    refuse_declarations(content, response_headers)
    try:
        parsed = feedparser.parse(
            # A file object, never bytes: feedparser opens bytes naming a path as a local file
            # (a feed whose body is "/dev/zero" would read forever).
            io.BytesIO(content),
            response_headers=response_headers,
            sanitize_html=False,  # we convert to text ourselves; keep all text
            resolve_relative_uris=False,  # links inside HTML: we keep its text only
        )
    except _TooDeepError:
        raise FeedParseError(
            "feed-too-deep", f"elements nested deeper than {MAX_DEPTH} levels"
        ) from None
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
        result.entries.append(_isolated(_entry, entry, language))
    return result


def _isolated(convert: Any, item: Any, language: str | None) -> ArticleInput | FeedParseError:
    """One entry's conversion; whatever goes wrong is that entry's error alone."""
    try:
        result: ArticleInput | FeedParseError = convert(item, language)
    except Exception as exc:
        return FeedParseError("invalid-entry", f"feed entry unusable: {type(exc).__name__}: {exc}")
    return result


def _date_text(*candidates: object) -> str | None:
    """The first candidate date text that reads as a date, else the first one given (ingest
    then uses the fetch time, flags it and keeps the text).

    The texts, not feedparser's ``*_parsed`` structs: feedparser normalises impossible dates
    (30 February becomes 2 March, month 13 next January) and breaks on others (year 0).
    """
    texts = [c for c in candidates if isinstance(c, str) and c.strip()]
    return next((t for t in texts if parse_date(t) is not None), texts[0] if texts else None)


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
    # (entry.get would also map published<->updated, with a deprecation warning.)
    published = _date_text(_get(entry, "published"), _get(entry, "updated"))
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
        result.entries.append(_isolated(_json_item, item, language))
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
                "published": _date_text(item.get("date_published"), item.get("date_modified")),
                "language": item.get("language") or language,
            }
        )
    except ValueError as exc:
        return FeedParseError("invalid-entry", f"JSON Feed item unusable: {exc}")
