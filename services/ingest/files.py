"""`newswire ingest file`: JSON (array or object), NDJSON and feed files, or folders of them.

Every item ends up accepted (on the incoming topic: the dedup stage then tells new, changed
and duplicate apart) or dead-lettered with its location (``file:<path>:<line>`` or
``file:<path>[<index>]``) and reason. Nothing is skipped silently.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from services.ingest import feeds
from services.ingest.article_input import Origin, decode_json
from services.ingest.errors import InvalidInputError, PublishError
from services.ingest.intake import Intake, IntakeItem, Submitted
from services.ingest.publisher import IntakeOutcome
from shared.deadletter import Reason

log = logging.getLogger(__name__)

NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
JSON_SUFFIXES = {".json"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".feed"}


@dataclass
class ImportSummary:
    files: int = 0
    accepted: int = 0
    dead_lettered: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: IntakeOutcome) -> None:
        if outcome.status == "accepted":
            self.accepted += 1
        else:
            self.dead_lettered += 1
            self.reasons[outcome.reason or "unknown"] += 1


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


def _ndjson_items(
    path: Path, origin: Origin, advance: Callable[[int], None]
) -> Iterator[IntakeItem]:
    prefix = f"file:{path}:"
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            advance(len(line))
            if not line.strip():
                continue
            yield IntakeItem.decoded(prefix + str(number), line.rstrip(b"\r\n"), origin)


def _feed_items(path: Path, origin: Origin, content: bytes) -> Iterator[IntakeItem]:
    # No base URL: a file has none (its own file:// path would turn relative links into file://
    # ones, refused all the same), and feedparser resolves against a base at every element.
    parsed = feeds.parse(content)
    if parsed.warning:
        log.warning("feed not well-formed, read liberally file=%s problem=%s", path, parsed.warning)
    origin = dataclasses.replace(origin, language_hint=parsed.language)
    for index, entry in enumerate(parsed.entries):
        yield IntakeItem(f"file:{path}[{index}]", None, entry, origin)


def _json_items(path: Path, origin: Origin, content: bytes) -> Iterator[IntakeItem]:
    document = decode_json(content, "file")
    if isinstance(document, dict) and str(document.get("version", "")).startswith(
        "https://jsonfeed.org/"
    ):
        yield from _feed_items(path, origin, content)
    elif isinstance(document, list):
        for index, record in enumerate(document):
            yield IntakeItem(f"file:{path}[{index}]", None, record, origin)
    else:
        yield IntakeItem(f"file:{path}", content, document, origin)


def file_items(
    path: Path, advance: Callable[[int], None] = lambda _n: None
) -> Iterator[IntakeItem]:
    """Every item of one file; a file that cannot be read at all, or holds no article (empty
    array, feed without entries), is one failed item, so it shows in the dead letters."""
    origin = Origin("file", path.name, datetime.now(UTC))
    count = 0
    for item in _file_items(path, origin, advance):
        count += 1
        yield item
    if count == 0:
        error = InvalidInputError(Reason.NO_ARTICLES, "the file holds no article")
        yield IntakeItem(f"file:{path}", _excerpt(path, 4096), error, origin)


def _file_items(path: Path, origin: Origin, advance: Callable[[int], None]) -> Iterator[IntakeItem]:
    def failed(raw: bytes, error: InvalidInputError) -> IntakeItem:
        return IntakeItem(f"file:{path}", raw, error, origin)

    try:
        with path.open("rb") as handle:
            head = handle.read(512)
        kind = _sniff(path, head)
        if kind == "ndjson":
            yield from _ndjson_items(path, origin, advance)
            return
        content = path.read_bytes()
        advance(len(content))
        if not content.strip():
            raise InvalidInputError(Reason.EMPTY_FILE, "the file is empty: no article in it")
        parse = _json_items if kind == "json" else _feed_items
        yield from parse(path, origin, content)
    except InvalidInputError as exc:
        yield failed(_excerpt(path), exc)
    except OSError as exc:
        yield failed(b"", InvalidInputError(Reason.UNREADABLE_FILE, str(exc)))
    except Exception as exc:  # a parser bug must not stop the import: the file is dead-lettered
        log.exception("unexpected error reading file=%s", path)
        yield failed(_excerpt(path), InvalidInputError(Reason.PARSE_ERROR, repr(exc)))


def _excerpt(path: Path, limit: int = 1024 * 1024) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def import_paths(
    paths: list[Path],
    intake: Intake,
    *,
    batch_size: int = 500,
    advance: Callable[[int], None] = lambda _n: None,
) -> ImportSummary:
    """Every item of every file through ``intake``, ``batch_size`` items at a time; one batch
    awaits its acknowledgements while the next is read and sent."""
    summary = ImportSummary()
    batch: list[IntakeItem] = []
    in_flight: Submitted | None = None

    def settle(submitted: Submitted, *, flush: bool) -> None:
        for outcome in intake.settle(submitted, flush=flush):
            summary.add(outcome)

    def submit() -> None:
        nonlocal in_flight
        submitted = intake.submit(batch)
        batch.clear()
        previous, in_flight = in_flight, submitted
        if previous is not None:
            try:
                settle(previous, flush=False)
            except PublishError:
                in_flight = None
                settle(submitted, flush=True)  # what Kafka took is counted; then report
                raise

    for path in input_files(paths):
        summary.files += 1
        for item in file_items(path, advance):
            batch.append(item)
            if len(batch) >= batch_size:
                submit()
    submit()
    if in_flight is not None:
        settle(in_flight, flush=True)
    log.info(
        "file import done files=%d accepted=%d dead_lettered=%d",
        summary.files,
        summary.accepted,
        summary.dead_lettered,
    )
    return summary
