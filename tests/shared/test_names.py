from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.names import Names


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
