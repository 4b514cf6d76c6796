"""Text, date and language normalisation for incoming articles.

HTML becomes clean text that keeps paragraph breaks (blank line between blocks); entities are
decoded; mojibake and other encoding damage is repaired (ftfy); dates in the many formats feeds
use become aware UTC datetimes.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

import ftfy
from feedparser.datetimes import _parse_date as feedparser_date

# Elements whose boundaries are paragraph breaks in the text.
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object"})
_TAG_HINT = re.compile(r"<[a-zA-Z!/]")
# What damaged text looks like: UTF-8 read as Latin-1/cp1252 ("Ã©", "â€™", "Ð¼"), ligatures,
# control characters. ftfy is precise but costs ~0.4 ms per paragraph: only text with such a
# sign goes through it (ftfy leaves sound text unchanged anyway).
_SUSPECT = re.compile(
    "[\u00c2-\u00c5\u00d0\u00d1\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178"
    "\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026"
    "\u2030\u2039\u203a\u20ac\u2122]|[\ufb00-\ufb06\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]"
)


class _CharScan:
    """Finds the first of a set of characters, as ``re.search`` with a character class would,
    4x faster on most text. The text is read as Latin-1 bytes (one per character; any other
    character becomes "?") and one ``bytes.translate`` marks the class's members and the "?";
    the regular expression takes over only from a "?" on, if the scan gets there."""

    def __init__(self, character_class: str) -> None:
        self.pattern = re.compile(f"[{character_class}]")
        marked = {i for i in range(256) if self.pattern.match(chr(i))} | {ord("?")}
        self.table = bytes(0 if i in marked else 1 for i in range(256))

    def find(self, text: str, start: int = 0) -> int:
        """Index of the first such character at or after ``start``; -1 when there is none."""
        data = text.encode("latin-1", "replace")
        hit = data.translate(self.table).find(0, start)
        if hit < 0 or data[hit] != 0x3F or self.pattern.match(text, hit):
            return hit
        match = self.pattern.search(text, hit)  # "?" or a character beyond Latin-1
        return match.start() if match else -1


# Any character a damage sign starts with: one character class is scanned much faster than
# the alternation above, and most text has none of them.
_DAMAGE_STARTS = "\u00c2-\u00c5\u00d0\u00d1\u00e2\ufb00-\ufb06\x00-\x08\x0b\x0e-\x1f\x7f\ufffd"
# White space str.split() splits on, but for " " and "\n".
_OTHER_SPACES = "\t\x0b-\x0d\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SUSPECT_START = _CharScan(_DAMAGE_STARTS)
_OTHER_SPACE = _CharScan(_OTHER_SPACES)


def _suspect(text: str) -> bool:
    start = _SUSPECT_START.find(text)
    return start >= 0 and _SUSPECT.search(text, start) is not None


# Characters that send text down the full path: the damage signs' first characters, every
# white space but " " and "\n" (what str.split() splits on), the zero-width space, and the
# starts of markup and entities.
_ODD = _CharScan(_DAMAGE_STARTS + _OTHER_SPACES + "\u200b<&")


def _already_clean(text: str) -> bool:
    """True when ``html_to_text`` would return ``text`` unchanged (most plain-text input).

    One character-class scan and a look at each line, instead of splitting the text into
    words and joining them again.
    """
    if _ODD.find(text) >= 0 or "  " in text:
        return False
    lines = text.split("\n")
    if len(lines) % 2 == 0 or any(lines[1::2]):  # breaks in pairs, one line per paragraph
        return False
    return all(line and line[0] != " " and line[-1] != " " for line in lines[::2])


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def clean_text(value: str) -> str:
    """Whitespace-normalised text: one space inside lines, paragraphs separated by a blank line."""
    if "\u200b" in value:
        value = value.replace("\u200b", "")
    # A line holding only white space ends a paragraph; str.split() (C speed) collapses every
    # Unicode space, NBSP included. Line by line: no regex over the whole text.
    paragraphs: list[str] = []
    chunks: list[str] = []
    for line in value.split("\n"):
        # A long line already single-spaced is kept whole: checking costs half of splitting.
        if (
            len(line) > 40
            and line[0] != " "
            and line[-1] != " "
            and "  " not in line
            and _OTHER_SPACE.find(line) < 0
        ):
            chunks.append(line)
            continue
        words = line.split()
        if words:
            chunks.append(" ".join(words))
        elif chunks:
            paragraphs.append(" ".join(chunks))
            chunks = []
    if chunks:
        paragraphs.append(" ".join(chunks))
    return "\n\n".join(paragraphs)


def html_to_text(value: str | None) -> str:
    """HTML (or plain text) -> clean, repaired text with paragraph breaks kept."""
    if not value:
        return ""
    return value if _already_clean(value) else _normalise(value)


def _normalise(value: str) -> str:
    text = (
        ftfy.fix_text(value, unescape_html=False, uncurl_quotes=False) if _suspect(value) else value
    )
    if "<" in text and _TAG_HINT.search(text):
        extractor = _TextExtractor()
        extractor.feed(text)
        extractor.close()
        text = "".join(extractor.parts)
    else:
        text = unescape(text)
    return clean_text(text)


def single_line(value: str | None) -> str:
    """For titles and names: HTML -> text on one line."""
    return " ".join(html_to_text(value).split())


_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y")
# The numeric fields of a date text, checked before any parser sees it: feedparser's parsers
# normalise what is out of range (30 February -> 2 March, month 13 -> next January, +25:00 ->
# a day earlier) where the standard library's raise. Unreadable must not mean shifted.
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?!\d)")
_CLOCK = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?")
_NUMERIC_OFFSET = re.compile(r"[+-](\d{2}):?(\d{2})\s*$")
# A year written 00xx-09xx: the standard library reads "0000" as 2000 (two-digit year rules).
_EARLY_YEAR = re.compile(r"(?<![\d.:T+-])0\d{3}(?![\d:])")


def _fields_in_range(text: str) -> bool:
    if _EARLY_YEAR.search(text):
        return False
    for match in _NUMERIC_DATE.finditer(text):
        year, month, day = (int(g) if g else 1 for g in match.groups())
        if not (year >= 1 and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
            return False
    for match in _CLOCK.finditer(text):
        hour, minute, second = (int(g) if g else 0 for g in match.groups())
        if hour > 23 or minute > 59 or second > 59:
            return False
    offset = _NUMERIC_OFFSET.search(text)
    return offset is None or (int(offset.group(1)) <= 23 and int(offset.group(2)) <= 59)


def _read_date(text: str) -> datetime | None:
    """The first reading of ``text`` that a parser accepts: ISO 8601, RFC 822, day-first
    numeric forms, then feedparser's many localised forms (W3C-DTF, RFC 822 variants)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    for fmt in _DAY_FIRST:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        struct = feedparser_date(text)
        if struct is None:
            return None
        return datetime.fromtimestamp(calendar.timegm(struct), UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def parse_date(value: str | None) -> datetime | None:
    """Any common feed/article date -> aware UTC datetime, or None when unreadable.

    Naive times are taken as UTC (what most feeds without an offset mean). A date with a field
    out of range (month 13, 30 February, 25:00, an offset of +25:00, year 0) is unreadable,
    never moved to a neighbouring date. Whether a readable date is plausible (not in the far
    future, not before 1990) is ``RawArticle.create``'s decision. Never raises.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if len(text) > 200 or not _fields_in_range(text):  # no date is longer
        return None
    parsed = _read_date(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. year 1 with a positive offset
        return None


_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?")


def language_tag(value: str | None) -> str | None:
    """'fr-FR', 'FR', 'en_us', 'de-DE-1996' -> 'fr-FR', 'fr', 'en-US', 'de-DE'; junk -> None."""
    if not value:
        return None
    match = _LANG.match(value.strip())
    if not match:
        return None
    base, region = match.group(1).lower(), match.group(2)
    if region and len(region) == 2:
        return f"{base}-{region.upper()}"
    return base
