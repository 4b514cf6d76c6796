"""The lag report for people: per group a heading, then per topic its name once and a table
with one row per partition; what the marks and columns mean is said once, in a footer.

The layout follows the terminal's width: in 80 columns every number and status stays whole
(only the "why" column wraps, between words); given room, the host of the member owning each
partition and the number of commits judged are shown too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby

from rich.console import Console, ConsoleOptions, JustifyMethod, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from services.lag.models import GroupLag, LagReport, PartitionLag
from services.lag.rules import Status

WIDE = 120  # from this width on, the host and commit columns fit beside the others
INDENT = 2

_STYLE = {
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.STOP: "bold red",
    Status.STALL: "bold red",
    Status.REWIND: "bold magenta",
}
FOOTER = (
    "lag: messages behind the log end. age: how long the oldest of them has waited, "
    "interpolated where marked ~ (that record is gone). ?: too few commits to judge yet."
)


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _seconds(value: float | None, source: str = "exact") -> str:
    if value is None:
        return "-"
    text = f"{value:,.1f}s" if value < 120 else f"{value / 60:,.1f}m"
    return text if source != "interpolated" else f"~{text}"


def _status(status: Status, complete: bool = True) -> Text:
    return Text(status.value + ("" if complete else "?"), style=_STYLE[status])


def _heading(group: GroupLag) -> Text:
    count = len(group.partitions)
    facts = [f"{group.state}, {count} partition(s)"]
    if count:
        facts.append(f"lag {_number(group.total_lag)}")
    if group.max_lag_seconds is not None:
        facts.append(f"oldest {_seconds(group.max_lag_seconds)}")
    if group.max_lag is not None:
        facts.append(f"max {group.max_lag.topic}[{group.max_lag.partition}]")
    line = Text.assemble((group.group, "bold"), "  ", _status(group.status), "  ")
    line.append(", ".join(facts), style="dim")
    return line


def _cells(p: PartitionLag, wide: bool) -> list[str | Text]:
    cells: list[str | Text] = [
        str(p.partition),
        _number(p.committed_offset),
        _number(p.log_end_offset),
        _number(p.lag),
        _seconds(p.lag_seconds, p.lag_seconds_source),
        _status(p.status, p.status_complete),
    ]
    if wide:
        cells += [str(p.commits_in_window), (p.client_host or "-").lstrip("/")]
    return [*cells, p.status_reason]


def _columns(wide: bool) -> list[str]:
    names = ["partition", "committed", "log end", "lag", "age", "status"]
    return [*names, "commits", "host", "why"] if wide else [*names, "why"]


def _partitions(rows: list[list[str | Text]], widths: list[int], wide: bool) -> Table:
    table = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False)
    for index, name in enumerate(_columns(wide)):
        if name == "why":  # wraps between words; folds only a word longer than the column
            table.add_column(name, overflow="fold")
        else:  # figures and statuses stay whole
            justify: JustifyMethod = "left" if name in ("status", "host") else "right"
            table.add_column(name, justify=justify, no_wrap=True, min_width=widths[index])
    for row in rows:
        table.add_row(*row)
    return table


def _widths(rows: Iterable[list[str | Text]], wide: bool) -> list[int]:
    """Each column's widest cell over a group, so that its topics' tables line up."""
    widths = [len(name) for name in _columns(wide)]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    return widths


def _indented(renderable: Table | Text, level: int) -> Padding:
    return Padding(renderable, (0, 0, 0, INDENT * level), expand=False)


class LagView:
    """The report as rich renders it (print it, or hand it to ``rich.live.Live``)."""

    def __init__(self, report: LagReport) -> None:
        self.report = report

    def _group(self, group: GroupLag, wide: bool) -> Iterator[Padding | Text]:
        yield _heading(group)
        yield _indented(Text(group.status_reason, style="dim"), 1)
        by_topic = sorted(group.partitions, key=lambda p: p.topic)  # stable: partitions keep order
        rows = [(p.topic, _cells(p, wide)) for p in by_topic]
        widths = _widths(([*cells[:-1], ""] for _t, cells in rows), wide)
        for topic, topic_rows in groupby(rows, key=lambda r: r[0]):
            yield _indented(Text(topic, style="bold cyan"), 1)
            yield _indented(_partitions([cells for _t, cells in topic_rows], widths, wide), 2)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        report = self.report
        wide = options.max_width >= WIDE
        at = f"{report.at:%Y-%m-%d %H:%M:%S} UTC"
        yield Text(f"consumer lag at {at} (read in {report.refresh_seconds:.3f}s)", style="bold")
        for group in report.groups:
            yield Text("")
            yield from self._group(group, wide)
        if not report.groups:
            yield Text("(no group)")
        yield Text("")
        yield Text(FOOTER, style="dim")


def table(report: LagReport) -> LagView:
    return LagView(report)
