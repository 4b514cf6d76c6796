"""Burrow's evaluation rules, pure: every rule, its boundaries and the order they apply in."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.lag.rules import Commit, Evidence, Status, evaluate, worst

WINDOW = 60.0
SAMPLES = 3


def commits(*pairs: tuple[int, int | None]) -> list[Commit]:
    """Commits ten seconds apart: (offset, lag at commit)."""
    return [Commit(at=100.0 + 10 * i, offset=o, lag=lag) for i, (o, lag) in enumerate(pairs)]


def judge(
    window: list[Commit],
    lag: int | None = 50,
    lagging_for_s: float | None = 1_000.0,
    observed_for_s: float = WINDOW,
    min_samples: int = SAMPLES,
) -> Status:
    evidence = Evidence(window, lag, lagging_for_s, observed_for_s)
    return evaluate(evidence, window_s=WINDOW, min_samples=min_samples).status


def test_status_numbers_and_severity() -> None:
    assert [s.code for s in Status] == [0, 1, 2, 3, 4]
    assert [s.value for s in Status] == ["OK", "WARN", "STOP", "STALL", "REWIND"]
    assert [s for s in Status if s.is_error] == [Status.STOP, Status.STALL, Status.REWIND]
    assert worst([]) is Status.OK
    assert worst([Status.WARN, Status.OK]) is Status.WARN
    assert worst([Status.STALL, Status.STOP, Status.WARN]) is Status.STALL
    assert worst([Status.STOP, Status.REWIND, Status.STALL]) is Status.REWIND


# -- rule 1: nothing waiting --------------------------------------------------------------


def test_no_committed_offset_is_ok_whatever_the_window() -> None:
    verdict = evaluate(
        Evidence(commits((5, 3), (2, 3)), None, 1e6, WINDOW), window_s=WINDOW, min_samples=1
    )
    assert (verdict.status, verdict.reason) == (Status.OK, "no committed offset")


@pytest.mark.parametrize(
    "window",
    [
        [],
        commits((10, 5), (10, 5), (10, 5)),  # would be STALL
        commits((10, 5), (4, 9), (4, 9)),  # would be REWIND
        commits((1, 5), (2, 6), (3, 7)),  # would be WARN
    ],
)
def test_no_lag_now_is_ok(window: list[Commit]) -> None:
    assert judge(window, lag=0) is Status.OK


# -- rule 2: caught up within the window ---------------------------------------------------


@pytest.mark.parametrize(
    "window",
    [
        commits((10, 0), (10, 5), (10, 5)),  # stall after catching up
        commits((50, 0), (20, 30), (20, 30)),  # rewind after catching up
        commits((1, 5), (2, 0), (3, 7), (4, 8)),  # growing lag after catching up
    ],
)
def test_zero_lag_anywhere_in_the_window_is_ok(window: list[Commit]) -> None:
    assert judge(window) is Status.OK


def test_unknown_lags_are_not_zero() -> None:
    assert judge(commits((10, None), (10, None), (10, None))) is Status.STALL


# -- rule 3: REWIND -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window",
    [
        commits((50, 10), (20, 40)),
        commits((10, 5), (20, 5), (19, 6), (30, 4)),
        commits((10, None), (9, None)),
    ],
)
def test_an_offset_going_back_is_rewind(window: list[Commit]) -> None:
    assert judge(window) is Status.REWIND


def test_rewind_needs_no_minimum_of_commits() -> None:
    assert judge(commits((50, 10), (20, 40)), min_samples=10) is Status.REWIND


def test_equal_offsets_are_not_a_rewind() -> None:
    assert judge(commits((10, 5), (10, 5), (10, 6))) is Status.STALL


# -- rule 4: STOP ---------------------------------------------------------------------------


def test_no_commit_while_lagging_for_the_whole_window_is_stop() -> None:
    assert judge([], lagging_for_s=WINDOW, observed_for_s=WINDOW) is Status.STOP
    assert judge([], lagging_for_s=10 * WINDOW, observed_for_s=10 * WINDOW) is Status.STOP


def test_fresh_lag_on_an_idle_consumer_is_not_stop() -> None:
    verdict = evaluate(Evidence([], 1, 5.0, WINDOW), window_s=WINDOW, min_samples=SAMPLES)
    assert verdict.status is Status.OK
    assert not verdict.complete


def test_unknown_lag_age_is_not_stop() -> None:
    assert judge([], lagging_for_s=None) is Status.OK


def test_stop_needs_the_whole_window_observed() -> None:
    assert judge([], observed_for_s=WINDOW - 0.001) is Status.OK
    assert judge([], lagging_for_s=WINDOW - 0.001) is Status.OK


def test_any_commit_in_the_window_is_not_stop() -> None:
    assert judge(commits((10, 5))) is Status.OK


# -- rule 5: too few commits ----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2])
def test_fewer_commits_than_min_samples_is_incomplete_ok(count: int) -> None:
    window = commits(*[(10, 5)] * count)
    verdict = evaluate(Evidence(window, 50, 1e6, WINDOW), window_s=WINDOW, min_samples=SAMPLES)
    assert verdict.status is Status.OK
    assert not verdict.complete
    assert f"{count} commit(s)" in verdict.reason


def test_min_samples_is_inclusive() -> None:
    assert judge(commits((10, 5), (10, 5), (10, 5)), min_samples=3) is Status.STALL
    assert judge(commits((10, 5), (10, 5)), min_samples=2) is Status.STALL
    assert judge(commits((10, 5)), min_samples=1) is Status.STALL


# -- rule 6: STALL --------------------------------------------------------------------------


def test_same_offset_committed_while_lagging_is_stall() -> None:
    verdict = evaluate(
        Evidence(commits((7, 3), (7, 9), (7, 20)), 20, 1e6, WINDOW),
        window_s=WINDOW,
        min_samples=SAMPLES,
    )
    assert (verdict.status, verdict.reason) == (Status.STALL, "committing offset 7 while lagging")


def test_stall_is_told_before_warn() -> None:
    # Same offset and growing lag: both rules match; the worse one is reported.
    assert judge(commits((7, 3), (7, 9), (7, 20))) is Status.STALL


# -- rule 7: WARN ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window",
    [
        commits((10, 90), (12, 108), (14, 126)),
        commits((10, 90), (12, 90), (14, 90)),  # never decreasing includes flat
        commits((10, None), (12, 90), (14, None), (16, 95)),  # unknown lags are skipped
    ],
)
def test_lag_never_decreasing_while_moving_is_warn(window: list[Commit]) -> None:
    assert judge(window) is Status.WARN


def test_warn_needs_two_known_lags() -> None:
    assert judge(commits((10, None), (12, None), (14, 90))) is Status.OK


# -- rule 8: OK -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window",
    [
        commits((10, 90), (40, 80), (70, 70)),
        commits((10, 90), (12, 108), (40, 100)),  # decreasing once is enough
    ],
)
def test_lag_decreasing_somewhere_is_ok(window: list[Commit]) -> None:
    verdict = evaluate(Evidence(window, 70, 1e6, WINDOW), window_s=WINDOW, min_samples=SAMPLES)
    assert (verdict.status, verdict.reason, verdict.complete) == (Status.OK, "consuming", True)


# -- properties -----------------------------------------------------------------------------

windows = st.lists(
    st.tuples(st.integers(0, 50), st.one_of(st.none(), st.integers(0, 50))), max_size=8
).map(lambda pairs: commits(*pairs))


@given(windows, st.integers(0, 50), st.one_of(st.none(), st.floats(0, 1e4)), st.integers(1, 5))
def test_verdicts_follow_the_rules(
    window: list[Commit], lag: int, lagging_for: float | None, min_samples: int
) -> None:
    status = judge(window, lag=lag, lagging_for_s=lagging_for, min_samples=min_samples)
    offsets = [c.offset for c in window]
    if lag == 0 or any(c.lag == 0 for c in window):
        assert status is Status.OK
    elif any(b < a for a, b in itertools.pairwise(offsets)):
        assert status is Status.REWIND
    elif status is Status.STOP:
        assert not window
        assert lagging_for is not None
        assert lagging_for >= WINDOW
    elif status is Status.STALL:
        assert len(window) >= min_samples
        assert len(set(offsets)) == 1
    elif status is Status.WARN:
        assert len(window) >= min_samples
        assert len(set(offsets)) > 1
    else:
        assert status is Status.OK
