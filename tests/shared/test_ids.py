from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import ids
from shared.ids import article_id, canonical_url, content_hash


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/a/b?x=1#frag", "https://example.com/a/b?x=1"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        (
            "https://news.example/p?utm_source=rss&id=7&fbclid=abc&gclid=x&UTM_Medium=m",
            "https://news.example/p?id=7",
        ),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://EXAMPLE.com./a", "https://example.com/a"),
        ("https://[2001:DB8::1]/a", "https://[2001:db8::1]/a"),
        ("ftp://example.com/a", None),
        ("not a url", None),
        ("https://example.com:99999/", None),
        ("mailto:someone@example.com", None),
        ("http://.", None),  # no host left once the trailing dot goes
        ("http://[::1]:80@[[", None),  # would canonicalise to "http://[/", not a URL
        ("http://a/ ?", "http://a/"),  # two passes to the canonical form
    ],
)
def test_canonical_url(url: str, expected: str | None) -> None:
    assert canonical_url(url) == expected


def test_id_is_plain_sha256_of_canonical_url() -> None:
    url = "https://Example.com/story?utm_campaign=x#top"
    expected = hashlib.sha256(b"https://example.com/story").hexdigest()
    assert article_id(url) == expected


def test_same_article_through_two_feeds_gets_one_id() -> None:
    a = article_id("https://example.com/story?utm_source=feed-a", guid="feed-a-123")
    b = article_id("https://EXAMPLE.com/story?fbclid=zzz#comments", guid="feed-b-999")
    assert a == b


def test_fallbacks_guid_then_content() -> None:
    by_guid = article_id(None, guid="urn:uuid:1234")
    assert by_guid == hashlib.sha256(b"guid:urn:uuid:1234").hexdigest()
    assert article_id("javascript:alert(1)", guid="urn:uuid:1234") == by_guid
    by_content = article_id(None, None, "Title", "Body text")
    assert by_content not in (by_guid, article_id(None, None, "Title", "Other body"))
    # Whitespace differences do not make a different article.
    assert by_content == article_id(None, None, "  Title ", "Body\n  text")


def test_no_identity_at_all_is_an_error() -> None:
    with pytest.raises(ValueError, match="needs a URL"):
        article_id(None, None, " ", "")


def test_content_hash_changes_with_content() -> None:
    assert content_hash("t", "b") != content_hash("t", "b2")


_URL_PIECES = st.sampled_from(
    [*"aZ09-._~:/?#[]@!$&'()*+,;=% \t", "é", "utm_x=1", "fbclid", "%20", "%2", "www.", ":443"]
)


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "HTTP://", "https://Ex.COM:443", "http://[::1]"]),
    st.lists(_URL_PIECES, max_size=25).map("".join),
)
def test_canonical_form_is_its_own_canonical_form(prefix: str, rest: str) -> None:
    # The validator accepts an article's URL only if it is canonical: whatever canonical_url
    # returns must pass that check, cache or no cache.
    ids._CANONICAL.clear()
    canonical = canonical_url(prefix + rest)
    if canonical is not None:
        ids._CANONICAL.clear()
        assert canonical_url(canonical) == canonical


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "https://news.example.org", "http://a-b.c0"]),
    st.lists(
        st.sampled_from(
            [
                *"aZ09-._~/?#=&%+ \t\x00\x1c\x1f\x7f\x85\xa0\u2000\u3000",
                "é",
                "utm_source=x",
                "fbclid=",
                "q=1",
            ]
        ),
        max_size=25,
    ).map("".join),
)
def test_simple_urls_take_a_shortcut_to_the_same_form(prefix: str, rest: str) -> None:
    url = prefix + rest
    simple = ids._canonical_simple(url)
    if simple is not None:
        assert simple == ids._canonical(url)


def test_the_shortcut_applies_to_ordinary_article_urls() -> None:
    url = "https://news.example.fr/2026/11/a-b_c.html?id=7&utm_source=rss&x=&fbclid=Ab#top"
    assert ids._canonical_simple(url) == "https://news.example.fr/2026/11/a-b_c.html?id=7&x="
    assert canonical_url(url) == "https://news.example.fr/2026/11/a-b_c.html?id=7&x="
