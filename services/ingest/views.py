"""What ingest's commands print: the feed list and the import summary.

Both read in an 80-column terminal: no borders between columns, short cells (long texts such as
a feed's last error go into numbered notes under the table, which wrap like prose), and only
the columns that hold long values (ids, URLs) fold, and they take whatever width is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from services.ingest.feedlist import FeedConfig
from services.ingest.feedstate import FeedState
from services.ingest.files import ImportSummary


def _table(title: str) -> Table:
    return Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        title_justify="left",
    )


def duration(seconds: float) -> str:
    """900 -> "15m", 7200 -> "2h", 90 -> "90s"."""
    whole = round(seconds)
    if whole >= 3600 and whole % 3600 == 0:
        return f"{whole // 3600}h"
    if whole >= 60 and whole % 60 == 0:
        return f"{whole // 60}m"
    return f"{whole}s"


def ago(when: float | None, now: float) -> str:
    """How long ago ``when`` (epoch seconds) was, in one short word."""
    if when is None:
        return "never"
    elapsed = max(0.0, now - when)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if elapsed >= size:
            return f"{int(elapsed // size)}{unit} ago"
    return "just now"


def _state(feed: FeedConfig, state: FeedState | None) -> str:
    if not feed.enabled:
        return "off"
    return "disabled" if state is not None and state.disabled else "enabled"


_FEED_COLUMNS = ("state", "every", "fails", "last ok")
_GAP = 2  # between two columns: one padding, one separator


def feeds_view(
    feeds: Sequence[FeedConfig],
    states: Mapping[str, FeedState],
    *,
    default_interval_s: float,
    now: float,
    title: str,
    width: int,
) -> RenderableType:
    """The feeds with their polling state; why a feed failed or was disabled, in notes.

    One line per feed when ids and URLs fit in ``width``; otherwise each URL goes under its
    feed's id, in a first column that takes all the width the short columns leave (a URL
    still too long folds there, at 45 characters or more in 80 columns).
    """
    if not feeds:
        return Text(f"no feeds yet: add one with `newswire feeds add URL` ({title})")
    notes: list[Text] = []
    rows: list[tuple[str, ...]] = []
    for feed in feeds:
        state = states.get(feed.id)
        status = _state(feed, state)
        why = (state.disabled_reason or state.last_error) if state else None
        if why:
            notes.append(Text(f"[{len(notes) + 1}] {feed.id}: {why}"))
            status += f" [{len(notes)}]"
        interval = duration(feed.interval_s or default_interval_s)
        failures = str(state.failures if state else 0)
        rows.append((status, interval, failures, ago(state.last_success if state else None, now)))
    short = sum(max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(_FEED_COLUMNS))
    longest = max(len(f.id) for f in feeds) + max(len(f.url) for f in feeds)
    one_line = longest + short + _GAP * len(_FEED_COLUMNS) + 1 <= width
    table = _table(title)
    table.add_column("id" if one_line else "id, url", overflow="fold", ratio=1)
    for column in _FEED_COLUMNS:
        table.add_column(column, justify="left" if column == "state" else "right", no_wrap=True)
    if one_line:
        table.add_column("url", overflow="fold")
    for feed, row in zip(feeds, rows, strict=True):
        if one_line:
            table.add_row(Text(feed.id), *row, Text(feed.url))
        else:
            table.add_row(Text.assemble((feed.id, "bold"), "\n", (feed.url, "dim")), *row)
    legend = Text(
        "every: time between polls (at least what the feed or server asks for); fails: "
        "consecutive failed polls (each retried later, with backoff); disabled: after too many "
        "failures, until `newswire feeds enable ID`; off: `enabled: false` in the feed list.",
        style="dim",
    )
    return Group(table, *notes, legend)


def import_summary_view(summary: ImportSummary, dead_letter_topic: str) -> RenderableType:
    """Accepted articles and dead letters (by reason) of one ``ingest file`` run."""
    table = _table(f"{summary.files} file(s) imported")
    table.add_column("outcome")
    table.add_column("items", justify="right")
    table.add_row("accepted", str(summary.accepted))
    table.add_row("dead-lettered", str(summary.dead_lettered))
    for reason, count in summary.reasons.most_common():
        table.add_row(Text(f"  {reason}", style="dim"), Text(str(count), style="dim"))
    lines: list[RenderableType] = [table]
    lines.append(
        Text(
            "accepted: on the incoming topic; the dedup stage publishes the new and changed "
            "ones (`newswire articles show ID` tells what became of one).",
            style="dim",
        )
    )
    if summary.dead_lettered:
        lines.append(
            Text(
                f"dead letters are on topic {dead_letter_topic}, with their reason and where "
                "they came from: `newswire dead-letters --stage ingest` lists them.",
                style="dim",
            )
        )
    return Group(*lines)
