"""`newswire ingest file`: JSON (array or object), NDJSON and feed files, or folders of them.

Every item ends up published, counted as a duplicate, or dead-lettered with its location
(``file:<path>:<line>`` or ``file:<path>[<index>]``) and reason. Nothing is skipped silently.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from services.ingest import feeds, records
from services.ingest.errors import InvalidInputError, PublishError
from services.ingest.publisher import Outcome, Publisher, Sending
from shared.models import RawArticle

log = logging.getLogger(__name__)

NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
JSON_SUFFIXES = {".json"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".feed"}


@dataclass
class ImportSummary:
    files: int = 0
    published: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        if outcome.status == "published":
            self.published += 1
        elif outcome.status == "duplicate":
            self.duplicates += 1
        else:
            self.dead_lettered += 1
            self.reasons[outcome.reason or "unknown"] += 1


@dataclass(frozen=True, slots=True)
class Item:
    """One input to turn into an article: the decoded record (or the error) and, when the
    source had them, its own bytes."""

    location: str
    raw: bytes | None
    record: object | InvalidInputError
    language_hint: str | None = None

    @property
    def payload(self) -> bytes:
        """What a dead letter keeps of the item: its bytes, else its record as JSON. Built on
        demand: most items never need it."""
        if self.raw is not None:
            return self.raw
        if isinstance(self.record, InvalidInputError):
            return b""
        if isinstance(self.record, records.ArticleInput):  # a feed entry
            return self.record.model_dump_json(exclude_none=True).encode()
        return orjson.dumps(self.record)


def item_article(item: Item, *, default_source: str, fetched_at: datetime) -> RawArticle:
    """The article of one file item; ``InvalidInputError`` when there is none."""
    if isinstance(item.record, InvalidInputError):
        raise item.record
    if isinstance(item.record, records.ArticleInput):  # a feed entry
        return records.build(
            item.record,
            source_kind="file",
            default_source=default_source,
            fetched_at=fetched_at,
            language_hint=item.language_hint,
        )
    return records.from_input(
        item.record, source_kind="file", default_source=default_source, fetched_at=fetched_at
    )


def input_files(paths: list[Path]) -> list[Path]:
    """Files named, plus every non-hidden file under folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and not any(part.startswith(".") for part in p.parts)
                )
            )
        else:
            found.append(path)
    return found


def _sniff(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in NDJSON_SUFFIXES:
        return "ndjson"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in FEED_SUFFIXES:
        return "feed"
    stripped = head.lstrip()
    if stripped.startswith((b"{", b"[")):
        return "json"
    return "feed"


def _ndjson_items(path: Path, advance: Callable[[int], None]) -> Iterator[Item]:
    prefix = f"file:{path}:"
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            advance(len(line))
            if not line.strip():
                continue
            location = prefix + str(number)
            try:
                record: object | InvalidInputError = records.decode_json(line, "line")
            except InvalidInputError as exc:
                record = exc
            yield Item(location, line.rstrip(b"\r\n"), record)


def _feed_items(path: Path, content: bytes) -> Iterator[Item]:
    # No base URL: a file has none (its own file:// path would turn relative links into file://
    # ones, refused all the same), and feedparser resolves against a base at every element.
    parsed = feeds.parse(content)
    if parsed.warning:
        log.warning("feed not well-formed, read liberally file=%s problem=%s", path, parsed.warning)
    for index, entry in enumerate(parsed.entries):
        location = f"file:{path}[{index}]"
        if isinstance(entry, InvalidInputError):
            yield Item(location, b"", entry)
        else:
            yield Item(location, None, entry, parsed.language)


def _json_items(path: Path, content: bytes) -> Iterator[Item]:
    document = records.decode_json(content, "file")
    if isinstance(document, dict) and str(document.get("version", "")).startswith(
        "https://jsonfeed.org/"
    ):
        yield from _feed_items(path, content)
    elif isinstance(document, list):
        for index, record in enumerate(document):
            yield Item(f"file:{path}[{index}]", None, record)
    else:
        yield Item(f"file:{path}", content, document)


def file_items(path: Path, advance: Callable[[int], None] = lambda _n: None) -> Iterator[Item]:
    """Every item of one file; a file that cannot be read at all, or holds no article (empty
    array, feed without entries), is one failed item, so it shows in the dead letters."""
    count = 0
    for item in _file_items(path, advance):
        count += 1
        yield item
    if count == 0:
        error = InvalidInputError("no-articles", "the file holds no article")
        yield Item(f"file:{path}", _excerpt(path, 4096), error)


def _file_items(path: Path, advance: Callable[[int], None]) -> Iterator[Item]:
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
        kind = _sniff(path, head)
        if kind == "ndjson":
            yield from _ndjson_items(path, advance)
            return
        content = path.read_bytes()
        advance(len(content))
        if not content.strip():
            raise InvalidInputError("empty-file", "the file is empty: no article in it")
        yield from (_json_items(path, content) if kind == "json" else _feed_items(path, content))
    except InvalidInputError as exc:
        yield Item(f"file:{path}", _excerpt(path), exc)
    except OSError as exc:
        yield Item(f"file:{path}", b"", InvalidInputError("unreadable-file", str(exc)))
    except Exception as exc:  # a parser bug must not stop the import: the file is dead-lettered
        log.exception("unexpected error reading file=%s", path)
        yield Item(f"file:{path}", _excerpt(path), InvalidInputError("parse-error", repr(exc)))


def _excerpt(path: Path, limit: int = 1024 * 1024) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def import_paths(
    paths: list[Path],
    publisher: Publisher,
    *,
    batch_size: int = 500,
    advance: Callable[[int], None] = lambda _n: None,
) -> ImportSummary:
    summary = ImportSummary()
    batch: list[RawArticle] = []
    locations: list[str] = []  # where each article of the batch comes from
    # One batch awaits its acknowledgements while the next is parsed and sent.
    in_flight: Sending | None = None

    def confirm(sending: Sending, *, flush: bool) -> None:
        for outcome in publisher.confirm(sending, flush=flush):
            summary.add(outcome)

    def flush() -> None:
        nonlocal in_flight
        sending = publisher.send(batch, locations)
        batch.clear()
        locations.clear()
        previous, in_flight = in_flight, sending
        if previous is not None:
            try:
                confirm(previous, flush=False)
            except PublishError:
                in_flight = None
                confirm(sending, flush=True)  # what Kafka took is recorded; then report
                raise

    for path in input_files(paths):
        summary.files += 1
        fetched_at = datetime.now(UTC)
        for item in file_items(path, advance):
            try:
                article = item_article(item, default_source=path.name, fetched_at=fetched_at)
            except InvalidInputError as exc:
                summary.add(
                    publisher.dead_letter(
                        reason=exc.reason,
                        error=str(exc),
                        payload=item.payload,
                        source=item.location,
                    )
                )
                continue
            batch.append(article)
            locations.append(item.location)
            if len(batch) >= batch_size:
                flush()
    flush()
    if in_flight is not None:
        confirm(in_flight, flush=True)
    log.info(
        "file import done files=%d published=%d duplicates=%d dead_lettered=%d",
        summary.files,
        summary.published,
        summary.duplicates,
        summary.dead_lettered,
    )
    return summary
