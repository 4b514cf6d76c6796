from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.models import OLDEST_PUBLISHED
from shared.names import RECENT_MONTHS, Names


def test_default_names_are_distinct() -> None:
    names = Names()
    assert len({*names.topics(), names.enrich_group, names.indexer_group}) == 5
    assert names.raw_topic == "newswire.articles.raw"
    assert names.monthly_index(datetime(2026, 3, 9, tzinfo=UTC)) == "newswire-articles-2026.03"
    assert names.monthly_index(datetime(2026, 3, 9, tzinfo=UTC)).startswith(
        names.index_pattern[:-1]
    )


@pytest.mark.parametrize("bad", ["", "Upper", "has space", "-lead", "x" * 101, "a/b"])
def test_invalid_namespace_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid namespace"):
        Names(bad)


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "index"),
    [
        (datetime(2026, 11, 24, tzinfo=UTC), "newswire-articles-2026.11"),
        (datetime(2025, 12, 1, tzinfo=UTC), "newswire-articles-2025.12"),  # 11 months ago
        (datetime(2025, 11, 30, tzinfo=UTC), "newswire-articles-2025"),  # 12 months ago
        (datetime(2001, 5, 1, tzinfo=UTC), "newswire-articles-2001"),
        (datetime(1970, 1, 1, tzinfo=UTC), "newswire-articles-1990"),  # before the window
        (datetime(2026, 11, 26, 11, 0, tzinfo=UTC), "newswire-articles-2026.11"),
        (datetime(2200, 1, 1, tzinfo=UTC), "newswire-articles-2026.11"),  # after the window
    ],
)
def test_article_index_is_monthly_when_recent_yearly_when_older(
    published: datetime, index: str
) -> None:
    name = Names().article_index(published, NOW)
    assert name == index
    assert name.startswith(Names().index_pattern[:-1])


@given(st.lists(st.datetimes(timezones=st.just(UTC)), min_size=1, max_size=500))
def test_any_dates_make_a_bounded_number_of_indices(dates: list[datetime]) -> None:
    names = {Names().article_index(d, NOW) for d in dates}
    # One per year from 1990 to last year, plus this month, the 11 before and the next one.
    assert len(names) <= (NOW.year - OLDEST_PUBLISHED.year) + RECENT_MONTHS + 1
