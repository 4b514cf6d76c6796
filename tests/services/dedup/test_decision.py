"""The dedup decision rules, without a broker."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.dedup.decision import (
    NotAnArticleError,
    Seen,
    Verdict,
    decide,
    read,
    stamped,
)


def test_first_sight_is_new_at_version_1() -> None:
    decision = decide(None, "h1")
    assert (decision.verdict, decision.version) == (Verdict.NEW, 1)


def test_same_content_is_a_duplicate_of_the_stored_version() -> None:
    decision = decide(Seen(4, "h1"), "h1")
    assert (decision.verdict, decision.version) == (Verdict.DUPLICATE, 4)


def test_other_content_is_the_next_version() -> None:
    decision = decide(Seen(4, "h1"), "h2")
    assert (decision.verdict, decision.version) == (Verdict.CHANGED, 5)


def test_a_record_at_or_below_the_stored_offset_was_decided_already() -> None:
    # The table is ahead of the committed offsets after a crash: the redelivered records
    # must not become new versions of old texts.
    seen = Seen(4, "h4", offset=120)
    assert decide(seen, "h1", 100).verdict is Verdict.REDELIVERED
    assert decide(seen, "h4", 120).verdict is Verdict.REDELIVERED
    assert decide(seen, "h5", 121) == decide(seen, "h5")
    assert (decide(seen, "h5", 121).verdict, decide(seen, "h5", 121).version) == (
        Verdict.CHANGED,
        5,
    )
    assert decide(seen, "h4", 121).verdict is Verdict.DUPLICATE
    # A value written without an offset (offset -1) never makes a record redelivered.
    assert decide(Seen(4, "h4"), "h1", 0).verdict is Verdict.CHANGED


@given(
    st.integers(min_value=1, max_value=2**40),
    st.text(min_size=1).filter(lambda s: not any(c.isspace() for c in s)),
    st.integers(min_value=-1, max_value=2**62),
)
def test_seen_round_trips(version: int, content_hash: str, offset: int) -> None:
    seen = Seen(version, content_hash, offset)
    assert Seen.decode(seen.encode()) == seen


def test_a_value_without_an_offset_still_decodes() -> None:
    assert Seen.decode(b"3 abc") == Seen(3, "abc", -1)


def test_nothing_stored_decodes_to_none() -> None:
    assert Seen.decode(None) is None
    assert Seen.decode(b"") is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"",
        b"not json",
        b"[1, 2]",
        b'{"id": 1}',
        b'{"id": "a"}',
        b'{"id": "a", "content_hash": ""}',
        b'{"id": "a", "content_hash": "x y"}',
    ],
)
def test_records_that_are_not_articles_are_refused(value: bytes | None) -> None:
    with pytest.raises(NotAnArticleError):
        read(value)


def test_stamping_sets_the_version_and_keeps_every_other_field() -> None:
    document = {"id": "a" * 64, "content_hash": "h", "version": 1, "title": "T", "body": "é"}
    incoming = read(orjson.dumps(document))
    assert orjson.loads(stamped(incoming, 7)) == {**document, "version": 7}
