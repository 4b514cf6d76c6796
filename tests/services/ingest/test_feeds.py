from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from services.ingest import article_input, feeds, files
from services.ingest.article_input import ArticleInput, Origin
from services.ingest.errors import FeedParseError
from services.ingest.normalize import parse_date

RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Exemple</title><language>fr-FR</language><ttl>30</ttl>
<item><title>Traité signé à Vienne</title>
<link>https://news.example.fr/traite?utm_source=rss</link>
<guid isPermaLink="false">fr-1</guid><pubDate>Tue, 24 Nov 2026 08:30:00 +0100</pubDate>
<description>Résumé court</description>
<content:encoded><![CDATA[<p>Premier paragraphe.</p>
<p>Les armes nucl&eacute;aires.</p>]]></content:encoded>
</item>
<item><title>Sans date</title><link>https://news.example.fr/sans-date</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>World</title>
<entry><title>Talks in Geneva</title><id>urn:uuid:1</id>
<link href="https://world.example.com/geneva"/><updated>2026-11-24T09:15:00Z</updated>
<author><name>Ann Smith</name></author>
<content type="html">&lt;p&gt;Delegates met.&lt;/p&gt;</content></entry></feed>"""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://nachrichten.example.de/"><title>N</title><link>https://nachrichten.example.de/</link>
<dc:language>de</dc:language></channel>
<item rdf:about="https://nachrichten.example.de/a"><title>Gipfel in Wien</title>
<link>https://nachrichten.example.de/a</link><dc:date>2026-11-24T10:00:00+01:00</dc:date>
<description>Die Verhandlungen gehen weiter.</description></item></rdf:RDF>"""

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title></item></channel></rss>"""


def entries(parsed: feeds.ParsedFeed) -> list[ArticleInput]:
    result = [e for e in parsed.entries if isinstance(e, ArticleInput)]
    assert len(result) == len(parsed.entries)
    return result


def test_rss2_with_content_language_and_ttl() -> None:
    parsed = feeds.parse(RSS2.encode())
    assert parsed.language == "fr-FR"
    assert parsed.ttl_s == 1800
    first, second = entries(parsed)
    assert first.url == "https://news.example.fr/traite?utm_source=rss"
    assert first.guid == "fr-1"
    assert first.body is not None
    assert "nucl&eacute;aires" in first.body
    assert parse_date(first.published) == datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    assert second.published is None


def test_atom_with_author_and_xml_lang() -> None:
    (entry,) = entries(feeds.parse(ATOM.encode()))
    assert entry.title == "Talks in Geneva"
    assert entry.authors == ["Ann Smith"]
    assert entry.language == "en"
    assert parse_date(entry.published) == datetime(2026, 11, 24, 9, 15, tzinfo=UTC)


def test_rss1_rdf_with_dc_fields() -> None:
    parsed = feeds.parse(RDF.encode())
    (entry,) = entries(parsed)
    assert entry.title == "Gipfel in Wien"
    assert entry.language == "de"
    assert parse_date(entry.published) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_iso_8859_1_feed_is_decoded() -> None:
    doc = RSS2.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("Vienne", "Viena")
    first, _ = entries(feeds.parse(doc.encode("iso-8859-1")))
    assert first.title == "Traité signé à Viena"


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Новости",
        "language": "ru",
        "items": [
            {
                "id": "ru-1",
                "url": "https://novosti.example.ru/1",
                "title": "Переговоры в Москве",
                "content_html": "<p>Текст</p>",
                "date_published": "2026-11-24T10:00:00+03:00",
                "authors": [{"name": "Иван Петров"}],
            },
            "not an object",
        ],
    }
    parsed = feeds.parse(json.dumps(doc).encode())
    first, second = parsed.entries
    assert isinstance(first, ArticleInput)
    assert first.language == "ru"
    assert first.authors == ["Иван Петров"]
    assert isinstance(second, FeedParseError)
    assert second.reason == "invalid-entry"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (BOMB, "xml-entities"),
        (XXE, "xml-entities"),
        ("<?xml version='1.0'?><catalog><book>not a feed</book></catalog>", "malformed-feed"),
        ("", "empty-feed"),
        ('{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "malformed-feed"),
    ],
)
def test_unusable_documents_are_refused_with_a_reason(document: str, reason: str) -> None:
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(document.encode())
    assert caught.value.reason == reason


def test_huge_entry_is_parsed_not_crashing() -> None:
    body = "<p>" + "mot " * 200_000 + "</p>"
    doc = RSS2.replace("<p>Premier paragraphe.</p>", body)
    first, _ = entries(feeds.parse(doc.encode()))
    assert first.body is not None
    assert len(first.body) > 800_000


def test_truncated_feed_is_refused_not_half_read() -> None:
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(b"<rss version='2.0'><channel><title>t</title><item><title>x</title>")
    assert caught.value.reason == "malformed-feed"
    assert "well-formed" in str(caught.value)


RELATIVE = """<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>
<item><title>Un</title><link>/politique/1</link></item>
<item><title>Deux</title><link>2</link>
<description>&lt;p&gt;Voir &lt;a href="/dossier"&gt;le dossier&lt;/a&gt; complet.&lt;/p&gt;
</description></item></channel></rss>"""


def test_relative_links_resolve_against_the_feed_url() -> None:
    parsed = feeds.parse(RELATIVE.encode(), url="https://news.example.fr/rss/une.xml")
    entries = [e for e in parsed.entries if isinstance(e, ArticleInput)]
    assert [e.url for e in entries] == [
        "https://news.example.fr/politique/1",
        "https://news.example.fr/rss/2",
    ]
    assert entries[1].summary is not None
    assert "Voir" in entries[1].summary
    # Without a base (a file) they stay relative: ingest refuses them as invalid URLs.
    unresolved = [e for e in feeds.parse(RELATIVE.encode()).entries if isinstance(e, ArticleInput)]
    assert [e.url for e in unresolved] == ["/politique/1", "2"]


# -- DTDs and entities: refused wherever they are, however the document is encoded ------------

# The report's payload: one 20,000-character entity, referenced 20,000 times (~100 KB of XML,
# ~1.2 GB once expanded).
BIG_ENTITY = '<!ENTITY big "' + "x" * 20_000 + '">'
REFERENCES = "&big;" * 20_000


def hostile(prolog: str, *, encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}\n'
        f'<rss version="2.0"><channel><title>t</title><item><title>{REFERENCES}</title>'
        "<link>https://x.example/a</link></item></channel></rss>"
    )


@pytest.fixture
def feedparser_never_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("feedparser.parse ran on a document with declarations")

    monkeypatch.setattr(feedparser, "parse", refuse)


HOSTILE = {
    "after-a-10-KB-comment": hostile(f"<!-- {'c' * 10_240} -->\n<!DOCTYPE rss [{BIG_ENTITY}]>"),
    "after-a-comment-holding-a-tag": hostile(f"<!-- <b> -->\n<!DOCTYPE rss [{BIG_ENTITY}]>"),
    "broken-doctype": hostile(f"<!DOCTYPE rss [\n{BIG_ENTITY}\n<!junk>\n]>"),
    "unclosed-doctype": hostile(f"<!DOCTYPE rss [\n{BIG_ENTITY}\n>"),
    "lower-case": hostile(f"<!doctype rss [{BIG_ENTITY.replace('ENTITY', 'entity')}]>"),
    "parameter-entity": hostile(
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://x.example/p.dtd">%p;]>'
    ),
    "external-entity": hostile('<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
    "subset-without-entity": hostile("<!DOCTYPE rss [<!ATTLIST rss version CDATA #FIXED '2.0'>]>"),
}
ENCODED = {
    "utf-16-le-bom": codecs.BOM_UTF16_LE
    + hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>", encoding="utf-16").encode("utf-16-le"),
    "utf-16-be-bom": codecs.BOM_UTF16_BE
    + hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>", encoding="utf-16").encode("utf-16-be"),
    "utf-16-le-declared": hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>", encoding="utf-16le").encode(
        "utf-16-le"
    ),
    "utf-32-bom": hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>", encoding="utf-32").encode("utf-32"),
    "utf-32-be-declared": hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>", encoding="utf-32be").encode(
        "utf-32-be"
    ),
    "utf-8-bom": codecs.BOM_UTF8 + hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>").encode(),
    "ebcdic": hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>", encoding="cp037").encode("cp037"),
}


@pytest.mark.usefixtures("feedparser_never_runs")
@pytest.mark.parametrize("document", HOSTILE.values(), ids=HOSTILE.keys())
def test_declarations_are_refused_wherever_they_are(document: str) -> None:
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(document.encode())
    assert caught.value.reason == "xml-entities"


@pytest.mark.usefixtures("feedparser_never_runs")
@pytest.mark.parametrize("document", ENCODED.values(), ids=ENCODED.keys())
def test_declarations_are_refused_in_any_encoding(document: bytes) -> None:
    assert b"<!ENTITY" not in document or document.startswith(codecs.BOM_UTF8)
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(document)
    assert caught.value.reason == "xml-entities"


@pytest.mark.usefixtures("feedparser_never_runs")
def test_declarations_are_refused_in_the_charset_the_server_names() -> None:
    # No BOM, no declaration: only the HTTP header says UTF-16.
    document = hostile(f"<!DOCTYPE r [{BIG_ENTITY}]>").split("?>", 1)[1].encode("utf-16-le")
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(document, headers={"content-type": "application/rss+xml; charset=utf-16le"})
    assert caught.value.reason == "xml-entities"


def test_the_loose_parser_expands_entities_of_a_broken_doctype() -> None:
    """Why a well-formed DOCTYPE is not what the guard looks for: feedparser's strict parser
    fails on this one, and its loose parser then expands the entity all the same."""
    document = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY e "expanded">\n<!junk>\n]>\n'
        b'<rss version="2.0"><channel><title>&e;</title></channel></rss>'
    )
    loose = feedparser.parse(document)
    assert loose.bozo
    assert loose.feed.title == "expanded"
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(document)
    assert caught.value.reason == "xml-entities"


def test_a_public_doctype_without_a_subset_is_read() -> None:
    document = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC'
        b' "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel>'
        b"<title>Old</title><item><title>Un</title><link>https://x.example/1</link></item>"
        b"</channel></rss>"
    )
    (entry,) = entries(feeds.parse(document))
    assert entry.title == "Un"


def test_a_body_naming_a_local_file_is_not_read(tmp_path: Path) -> None:
    local = tmp_path / "local.rss"
    local.write_text(RSS2, encoding="utf-8")
    # feedparser.parse(bytes) opens bytes that name a path; the body must be read as a body.
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(str(local).encode())
    assert caught.value.reason == "malformed-feed"


# -- One bad entry loses only itself -----------------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BAD_DATES = [
    "Sat, 01 Jan 0000 00:00:00 GMT",  # year 0: feedparser's struct made datetime() raise
    "0000-01-01T00:00:00Z",
    "Mon, 30 Feb 2026 10:00:00 GMT",
    "2026-02-30T10:00:00Z",  # feedparser: 2 March
    "2026-13-01T10:00:00Z",  # feedparser: next January
    "2026-11-24T10:00:00+25:00",  # feedparser: a day earlier
    "Tue, 24 Nov 2026 08:30:00 +9999",
    "1970-01-01T00:00:00Z",  # readable, but before the plausible window
    "2200-01-01T00:00:00Z",  # readable, but far in the future
]


def dated_feed(dates: list[str], element: str = "pubDate") -> bytes:
    items = "".join(
        f"<item><title>n{i}</title><link>https://x.example/{i}</link>"
        f"<{element}>{date}</{element}></item>"
        for i, date in enumerate(["Tue, 24 Nov 2026 08:30:00 +0100", *dates])
    )
    return f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def built(entry: ArticleInput | FeedParseError) -> Any:
    assert isinstance(entry, ArticleInput)
    return article_input.from_input(entry, Origin("feed", "x", NOW))


@pytest.mark.parametrize("element", ["pubDate", "dc:date", "atom:updated"])
def test_an_unreadable_date_is_the_fetch_time_flagged_never_the_loss_of_the_feed(
    element: str,
) -> None:
    document = dated_feed(BAD_DATES, element).replace(
        b'<rss version="2.0">',
        b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        b' xmlns:atom="http://www.w3.org/2005/Atom">',
    )
    good, *bad = (built(e) for e in feeds.parse(document).entries)
    assert good.published_at == datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    assert not good.published_at_inferred
    assert [(a.published_at, a.published_at_inferred) for a in bad] == [(NOW, True)] * len(bad)
    assert [a.published_raw for a in bad] == BAD_DATES


def test_an_unreadable_published_date_gives_way_to_a_readable_updated_one() -> None:
    document = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title>'
        b'<id>urn:a</id><link href="https://x.example/a"/><published>0000-00-00</published>'
        b"<updated>2026-11-24T09:15:00Z</updated></entry></feed>"
    )
    (article,) = (built(e) for e in feeds.parse(document).entries)
    assert article.published_at == datetime(2026, 11, 24, 9, 15, tzinfo=UTC)


def test_json_feed_dates_are_judged_the_same_way() -> None:
    items = [
        {"id": "1", "url": "https://x.example/1", "title": "a", "date_published": "0000-01-01"},
        {"id": "2", "url": "https://x.example/2", "title": "b", "date_published": 20261124},
        {"id": "3", "url": "https://x.example/3", "title": "c", "date_published": "2026-11-24"},
    ]
    document = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items})
    first, second, third = (built(e) for e in feeds.parse(document.encode()).entries)
    assert first.published_at_inferred
    assert first.published_raw == "0000-01-01"
    assert second.published_at_inferred
    assert third.published_at == datetime(2026, 11, 24, tzinfo=UTC)


def test_an_entry_that_breaks_the_conversion_is_one_invalid_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    convert = feeds._entry

    def fragile(entry: Any, language: str | None) -> ArticleInput | FeedParseError:
        if entry.get("title") == "n1":
            raise OverflowError("date value out of range")
        return convert(entry, language)

    monkeypatch.setattr(feeds, "_entry", fragile)
    first, second, third = feeds.parse(dated_feed(["x", "y"])).entries
    assert isinstance(second, FeedParseError)
    assert second.reason == "invalid-entry"
    assert "OverflowError" in str(second)
    assert isinstance(first, ArticleInput)
    assert isinstance(third, ArticleInput)


def test_a_feed_file_with_a_year_0_entry_keeps_its_other_entries(tmp_path: Path) -> None:
    path = tmp_path / "feed.rss"
    path.write_bytes(dated_feed(["Sat, 01 Jan 0000 00:00:00 GMT"]))
    items = list(files.file_items(path))
    assert [i.source for i in items] == [f"file:{path}[0]", f"file:{path}[1]"]
    articles = [i.article() for i in items]
    assert [a.published_at_inferred for a in articles] == [False, True]


def test_a_pushed_year_0_date_is_the_fetch_time_flagged() -> None:
    article = article_input.from_input(
        {"title": "t", "url": "https://x.example/a", "published": "0000-01-01T00:00:00Z"},
        Origin("push", "push", NOW),
    )
    assert (article.published_at, article.published_at_inferred) == (NOW, True)
    assert article.published_raw == "0000-01-01T00:00:00Z"


def _nested(depth: int, *, closed: bool = True) -> bytes:
    inner = "<x>" * depth + ("</x>" * depth if closed else "")
    return (
        '<rss version="2.0"><channel><title>t</title><item><title>a</title>'
        f"<link>https://x.example/a</link><description>{inner}</description></item>"
        "</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "document",
    [
        _nested(300_000),
        _nested(300_000, closed=False),  # strict parse fails at the end; the loose one goes on
        b"<rss><a b='1' b='2'>" + _nested(300_000),  # broken from the start: loose parser only
    ],
    ids=["closed", "unclosed", "loose-only"],
)
def test_deep_nesting_is_refused_before_it_costs_memory(document: bytes) -> None:
    with pytest.raises(FeedParseError) as caught:
        feeds.parse(document)
    assert caught.value.reason == "feed-too-deep"


def test_nesting_within_the_limit_is_read() -> None:
    (entry,) = entries(feeds.parse(_nested(feeds.MAX_DEPTH - 10)))
    assert entry.title == "a"
