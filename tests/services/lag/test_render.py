"""The table people read: unknown figures as "-", interpolated ages marked, every status shown,
each topic named once, and nothing cut mid-word in an 80-column terminal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.console import Console

from services.lag.models import GroupLag, LagReport, MaxLag, PartitionLag
from services.lag.render import table
from services.lag.rules import Status


def rendered(lag_report: LagReport, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(table(lag_report))
    return console.export_text()


def report() -> LagReport:
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
    return LagReport(at=datetime.now(UTC), refresh_seconds=0.05, groups=[group])


def test_table_shows_groups_partitions_and_unknowns() -> None:
    text = rendered(report())
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


def long_report() -> LagReport:
    """Long names, big offsets, two topics: what a real pipeline's group looks like."""
    raw, enriched = "test-fc8b03dd7eb5.articles.raw", "test-fc8b03dd7eb5.articles.enriched"
    partitions = [
        PartitionLag(
            topic=raw,
            partition=p,
            committed_offset=1_200_000 + p,
            log_end_offset=1_234_567,
            lag=34_567 - p,
            lag_seconds=4321.0,
            status=Status.STALL if p == 0 else Status.OK,
            status_reason="committing offset 1200000 while lagging" if p == 0 else "consuming",
            client_host="/10.1.2.3",
            commits_in_window=7,
        )
        for p in range(3)
    ]
    partitions.append(
        PartitionLag(
            topic=enriched,
            partition=0,
            log_end_offset=9,
            status_complete=False,
            status_reason="1 commit(s) in the window, 3 needed",
        )
    )
    group = GroupLag(
        group="test-fc8b03dd7eb5.enrich",
        state="Stable",
        status=Status.STALL,
        status_reason=f"{raw}[0]: committing offset 1200000 while lagging",
        total_lag=103_698,
        max_lag=MaxLag(topic=raw, partition=0, lag=34_567),
        max_lag_seconds=4321.0,
        partitions=partitions,
    )
    return LagReport(at=datetime.now(UTC), refresh_seconds=0.05, groups=[group])


def words(lag_report: LagReport) -> set[str]:
    """Every word a reader must find whole: names, figures, statuses, reasons."""
    found: set[str] = set()
    for group in lag_report.groups:
        found |= {group.group, group.status.value, *group.status_reason.split()}
        for p in group.partitions:
            found |= {p.topic, *p.status_reason.split()}
            for figure in (p.committed_offset, p.log_end_offset, p.lag):
                if figure is not None:
                    found.add(f"{figure:,}")
    return found


@pytest.mark.parametrize("width", [80, 160])
def test_nothing_is_cut_mid_word_at_80_or_160_columns(width: int) -> None:
    lag_report = long_report()
    text = rendered(lag_report, width)
    lines = text.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    tokens = set(text.split())
    missing = {word for word in words(lag_report) if word not in tokens}
    assert not missing  # a word wrapped in two is no longer a token of the text
    # Each topic is a heading, named once (besides the group's reason naming a partition).
    for topic in ("test-fc8b03dd7eb5.articles.raw", "test-fc8b03dd7eb5.articles.enriched"):
        assert sum(line.strip() == topic for line in lines) == 1
    assert "1,234,567" in text
    assert "72.0m" in text


def test_more_columns_when_there_is_room() -> None:
    narrow, wide = rendered(long_report(), 80), rendered(long_report(), 160)

    def headers(text: str) -> list[list[str]]:
        return [line.split() for line in text.splitlines() if line.strip().startswith("partition")]

    assert all("commits" in h and "host" in h for h in headers(wide))
    assert "10.1.2.3" in wide
    assert not any("commits" in h or "host" in h for h in headers(narrow))
    assert "10.1.2.3" not in narrow


def test_topics_of_a_group_line_up() -> None:
    lines = rendered(long_report(), 80).splitlines()
    headers = [line for line in lines if line.strip().startswith("partition")]
    assert len(headers) == 2
    assert headers[0].index("status") == headers[1].index("status")
