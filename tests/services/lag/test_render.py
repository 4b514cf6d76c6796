"""The table people read: unknown figures as "-", interpolated ages marked, every status shown."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from services.lag.models import GroupLag, LagReport, MaxLag, PartitionLag
from services.lag.render import table
from services.lag.rules import Status


def rendered(lag_report: LagReport) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(table(lag_report))
    return console.export_text()


def test_table_shows_groups_partitions_and_unknowns() -> None:
    partitions = [
        PartitionLag(
            topic="n.articles.raw",
            partition=0,
            committed_offset=1200,
            log_end_offset=1500,
            lag=300,
            lag_seconds=95.0,
            lag_seconds_source="interpolated",
            status=Status.REWIND,
            status_reason="offset back from 1500 to 1200",
        ),
        PartitionLag(
            topic="n.articles.raw",
            partition=1,
            log_end_offset=7,
            status_reason="no committed offset",
        ),
        PartitionLag(
            topic="n.articles.raw",
            partition=2,
            committed_offset=3,
            log_end_offset=4,
            lag=1,
            status_complete=False,
            status_reason="1 commit(s) in the window, 3 needed",
        ),
    ]
    group = GroupLag(
        group="n.enrich",
        state="Stable",
        status=Status.REWIND,
        status_reason="n.articles.raw[0]: offset back from 1500 to 1200",
        total_lag=301,
        max_lag=MaxLag(topic="n.articles.raw", partition=0, lag=300),
        max_lag_seconds=95.0,
        partitions=partitions,
    )
    text = rendered(LagReport(at=datetime.now(UTC), refresh_seconds=0.05, groups=[group]))
    assert "n.enrich" in text
    assert "Stable, 3 partition(s)" in text
    assert "1,200" in text
    assert "~95.0s" in text  # interpolated
    assert "REWIND" in text
    assert "OK?" in text  # too few commits to judge
    assert "max n.articles.raw[0]" in text
    rows = [line for line in text.splitlines() if " 1 " in line and "no committed offset" in line]
    assert rows
    assert rows[0].count(" - ") >= 3  # committed, lag, lag in time unknown
    assert "nan" not in text.lower()


def test_no_group_is_said() -> None:
    text = rendered(LagReport(at=datetime.now(UTC), refresh_seconds=0.0, groups=[]))
    assert "(no group)" in text
