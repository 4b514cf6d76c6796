"""Log-end offsets over time: interpolation both ways, extrapolation, resets and the window."""

from __future__ import annotations

import pytest

from services.lag.timeline import Timeline


def timeline(*samples: tuple[float, int], window_s: float = 1_000.0) -> Timeline:
    line = Timeline(window_s)
    for at, log_end in samples:
        line.add(at, log_end)
    return line


def test_empty_timeline_knows_nothing() -> None:
    line = Timeline(60.0)
    assert line.log_end_at(10.0) is None
    assert line.appended_at(0) is None
    assert line.first_at is None


def test_log_end_at_interpolates_between_samples() -> None:
    line = timeline((10.0, 100), (20.0, 200))
    assert line.log_end_at(10.0) == 100
    assert line.log_end_at(15.0) == pytest.approx(150)
    assert line.log_end_at(20.0) == 200
    assert line.log_end_at(99.0) == 200  # after the last sample: the last known
    assert line.log_end_at(9.9) is None  # before the first: unknown


def test_appended_at_interpolates_when_the_log_end_passed_the_offset() -> None:
    line = timeline((10.0, 100), (20.0, 200))
    # The record at 149 was appended when the log end reached 150.
    assert line.appended_at(149) == pytest.approx(15.0)
    assert line.appended_at(199) == pytest.approx(20.0)
    assert line.appended_at(200) is None  # not appended yet as far as we know


def test_appended_at_extrapolates_before_the_first_sample() -> None:
    line = timeline((10.0, 100), (20.0, 200))  # 10 records a second
    assert line.appended_at(49) == pytest.approx(5.0)
    assert line.appended_at(99) == pytest.approx(10.0)


def test_no_rate_no_extrapolation() -> None:
    assert timeline((10.0, 100)).appended_at(50) is None
    assert timeline((10.0, 100), (20.0, 100)).appended_at(50) is None


def test_flat_runs_keep_their_ends_only() -> None:
    line = timeline((0.0, 0), (10.0, 100), (11.0, 100), (12.0, 100), (13.0, 100))
    assert len(line) == 3
    # The quiet stretch is still known to be quiet: nothing was appended between 10 and 13.
    assert line.log_end_at(12.5) == 100
    assert line.appended_at(99) == pytest.approx(10.0)


def test_a_shrinking_log_starts_a_new_history() -> None:
    line = timeline((10.0, 500), (20.0, 600), (30.0, 5))
    assert len(line) == 1
    assert line.log_end_at(25.0) is None


def test_old_samples_leave_the_window_but_one_stays_before_it() -> None:
    line = timeline(*[(float(t), t * 10) for t in range(0, 100, 10)], window_s=25.0)
    assert line.first_at == 60.0  # the last sample older than 90 - 25 = 65
    assert line.log_end_at(65.0) == pytest.approx(650)
