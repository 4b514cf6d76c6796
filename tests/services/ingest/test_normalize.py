from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.normalize import (
    _ODD,
    _OTHER_SPACE,
    _SUSPECT_START,
    _already_clean,
    _normalise,
    clean_text,
    html_to_text,
    language_tag,
    parse_date,
    single_line,
)
from shared.ids import content_hash


def test_html_to_text_keeps_paragraphs_and_decodes_entities() -> None:
    html = (
        "<div><p>Les armes nucl&eacute;aires &amp; le trait&#233;.</p>"
        "<p>Second\n   paragraphe<br/>apr\u00e8s un saut</p><script>alert(1)</script>"
        "<style>p{}</style></div>"
    )
    assert html_to_text(html) == (
        "Les armes nucléaires & le traité.\n\nSecond paragraphe\n\naprès un saut"
    )


def test_plain_text_with_entities_and_mojibake_is_repaired() -> None:
    assert html_to_text("Caf\u00c3\u00a9 &amp; cr\u00c3\u00a8me") == "Café & crème"
    assert html_to_text(None) == ""
    assert clean_text("  a \t b \n\n\n c  ") == "a b\n\nc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 24 Nov 2026 08:30:00 +0100", datetime(2026, 11, 24, 7, 30, tzinfo=UTC)),
        ("Tue, 24 Nov 2026 08:30:00 GMT", datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),
        ("2026-11-24T09:15:00Z", datetime(2026, 11, 24, 9, 15, tzinfo=UTC)),
        ("2026-11-24T09:15:00+01:00", datetime(2026, 11, 24, 8, 15, tzinfo=UTC)),
        ("2026-11-24 09:15:00", datetime(2026, 11, 24, 9, 15, tzinfo=UTC)),
        ("2026-11-24", datetime(2026, 11, 24, tzinfo=UTC)),
        ("24/11/2026 10:00", datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
        ("24.11.2026", datetime(2026, 11, 24, tzinfo=UTC)),
        ("yesterday-ish", None),
        ("", None),
        (None, None),
        ("0001-01-01T00:00:00+01:00", None),
        # Out of range is unreadable, never shifted to a neighbouring date.
        ("2026-02-30T10:00:00Z", None),
        ("2026-13-01T10:00:00Z", None),
        ("2026-01-01T24:00:00Z", None),
        ("2026-01-01T10:00:00+25:00", None),
        ("Mon, 01 Jan 2026 10:00:00 +2500", None),
        ("Mon, 31 Feb 2026 10:00:00 GMT", None),
        ("Sun, 13 Dec 2026 25:61:00 GMT", None),
        ("Mon, 01 Jan 2026 10:00:60 GMT", None),
        ("30/02/2026", None),
        ("0000-01-01T00:00:00Z", None),
        ("Sat, 01 Jan 0000 00:00:00 GMT", None),  # not year 2000
        ("9999-12-31T23:59:59-01:00", None),
        ("2" * 10_000, None),
        # Reduced precision and other forms feedparser knows are still read.
        ("2026-11", datetime(2026, 11, 1, tzinfo=UTC)),
        ("Sun Nov  6 08:49:37 1994", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("2026-11-24T09:15:00-0800", datetime(2026, 11, 24, 17, 15, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),  # plausible: not its call
    ],
)
def test_parse_date(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fr-FR", "fr-FR"), ("FR", "fr"), ("en_us", "en-US"), ("ru", "ru"), ("x", None), ("", None)],
)
def test_language_tag(value: str, expected: str | None) -> None:
    assert language_tag(value) == expected


aware_datetimes = st.datetimes(
    min_value=datetime(1000, 1, 1),
    max_value=datetime(9000, 12, 31),
    timezones=st.just(UTC),
).map(lambda d: d.replace(microsecond=0))


@given(aware_datetimes)
def test_a_valid_date_reads_back_as_itself(when: datetime) -> None:
    assert parse_date(when.isoformat()) == when
    assert parse_date(format_datetime(when)) == when  # RFC 2822


@given(
    year=st.integers(1000, 9999),
    month=st.integers(0, 99),
    day=st.integers(0, 99),
    hour=st.integers(0, 99),
    minute=st.integers(0, 99),
    offset=st.integers(0, 99),
)
def test_a_date_with_a_field_out_of_range_is_unreadable(
    year: int, month: int, day: int, hour: int, minute: int, offset: int
) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+{offset:02d}:00"
    valid = (
        1 <= month <= 12
        and 1 <= day <= calendar.monthrange(year, month)[1]
        and hour <= 23
        and minute <= 59
        and offset <= 23
    )
    expected = (
        datetime(year, month, day, hour, minute, tzinfo=timezone(timedelta(hours=offset)))
        if valid
        else None
    )
    assert parse_date(text) == expected


@given(st.text(max_size=60))
def test_parse_date_never_raises(text: str) -> None:
    result = parse_date(text)
    assert result is None or result.tzinfo is UTC


_PIECES = st.sampled_from([*"ab é", "\n", "\t", "\xa0", "\r", "<p>", "</p>", "&amp;", "\u200b"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join), st.lists(_PIECES, max_size=80).map("".join))
def test_clean_hash_equals_the_general_one_on_normalised_text(title: str, body: str) -> None:
    # What the normaliser leaves may be hashed without re-splitting (RawArticle.create with
    # clean_text=True): the hash must be the same.
    clean_title, clean_body = single_line(title), html_to_text(body)
    assert content_hash(clean_title, clean_body, clean=True) == content_hash(
        clean_title, clean_body
    )


_TEXT = st.sampled_from(
    [
        *"ab é",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\xa0",
        "\r",
        "\u2028",
        "\u3000",
        "\u200b",
        "<p>",
        "&amp;",
        "a < b",
        "Ã©",
        "â€™",
        "\ufb01",
        "\x07",
    ]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_TEXT, max_size=40).map("".join))
def test_text_already_clean_takes_the_short_path_unchanged(text: str) -> None:
    # html_to_text returns clean plain text as it is, without the full pass: the result must be
    # what the full pass gives, whatever the text.
    assert html_to_text(text) == (_normalise(text) if text else "")


def test_the_short_paths_cover_every_white_space_split_knows() -> None:
    # The short paths trust that " " and "\n" are the only white space left in the text.
    for code in range(0x110000):
        char = chr(code)
        if char.isspace() and char not in " \n":
            assert not _already_clean(f"a{char}b"), hex(code)
            assert _OTHER_SPACE.find(f"a{char}b") == 1, hex(code)
    assert _already_clean("a b\n\nc")
    assert _OTHER_SPACE.find("a b\nc") == -1


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"a é?\n\t<&\x00\x85\xa0Ãâ\u2019\u2014\u2028\ufb01\ufffdЖ"]), max_size=30
    ).map("".join),
    st.integers(min_value=0, max_value=35),
)
def test_character_scan_finds_what_the_regular_expression_finds(text: str, start: int) -> None:
    for scan in (_ODD, _SUSPECT_START):
        match = scan.pattern.search(text, start)
        assert scan.find(text, start) == (match.start() if match else -1)


def _clean_by_words(value: str) -> str:
    # The definition: every line split into words; blank lines end paragraphs.
    paragraphs, words = [], []
    for line in value.replace("\u200b", "").split("\n"):
        if line.split():
            words += line.split()
        elif words:
            paragraphs.append(" ".join(words))
            words = []
    if words:
        paragraphs.append(" ".join(words))
    return "\n\n".join(paragraphs)


_LINE_PIECES = st.sampled_from(
    [
        *["mot ", "mot", " ", "  ", "\n", "\t", "\xa0", "\u2028", "\u3000", "\u200b", "é", "?"],
        *["\u2019", "x" * 45, " " + "y" * 45, "z" * 45 + " "],
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=40).map("".join))
def test_clean_text_is_the_word_by_word_definition(text: str) -> None:
    assert clean_text(text) == _clean_by_words(text)
