"""The lag report for people: a rich table (one line per partition, one summary per group)."""

from __future__ import annotations

from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text

from services.lag.models import GroupLag, LagReport, PartitionLag
from services.lag.rules import Status

_COLUMNS: list[tuple[str, JustifyMethod]] = [
    ("group", "left"),
    ("topic", "left"),
    ("partition", "right"),
    ("committed", "right"),
    ("log end", "right"),
    ("lag", "right"),
    ("lag (time)", "right"),
    ("status", "left"),
    ("why", "left"),
]
_STYLE = {
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.STOP: "bold red",
    Status.STALL: "bold red",
    Status.REWIND: "bold magenta",
}


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _seconds(value: float | None, source: str = "exact") -> str:
    if value is None:
        return "-"
    text = f"{value:,.1f}s" if value < 120 else f"{value / 60:,.1f}m"
    return text if source != "interpolated" else f"~{text}"


def _status(status: Status, complete: bool = True) -> Text:
    return Text(status.value + ("" if complete else "?"), style=_STYLE[status])


def _partition_row(p: PartitionLag) -> list[str | Text]:
    return [
        "",
        p.topic,
        str(p.partition),
        _number(p.committed_offset),
        _number(p.log_end_offset),
        _number(p.lag),
        _seconds(p.lag_seconds, p.lag_seconds_source),
        _status(p.status, p.status_complete),
        p.status_reason,
    ]


def _group_row(g: GroupLag) -> list[str | Text]:
    top = f"max {g.max_lag.topic}[{g.max_lag.partition}]" if g.max_lag else ""
    return [
        Text(g.group, style="bold"),
        Text(f"{g.state}, {len(g.partitions)} partition(s)", style="dim"),
        "",
        "",
        top,
        Text(_number(g.total_lag), style="bold"),
        Text(_seconds(g.max_lag_seconds), style="bold"),
        _status(g.status),
        g.status_reason,
    ]


def table(report: LagReport) -> Table:
    title = f"consumer lag at {report.at:%Y-%m-%d %H:%M:%S} UTC ({report.refresh_seconds:.3f}s)"
    out = Table(title=title, caption="~ interpolated, ? too few commits in the window to judge")
    for name, justify in _COLUMNS:
        # Names are what the reader looks for: wrapped, never cut to an ellipsis.
        out.add_column(name, justify=justify, overflow="fold")
    for group in report.groups:
        out.add_row(*_group_row(group))
        for partition in group.partitions:
            out.add_row(*_partition_row(partition))
        out.add_section()
    if not report.groups:
        out.add_row("(no group)", *[""] * (len(_COLUMNS) - 1))
    return out
