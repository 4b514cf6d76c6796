from __future__ import annotations

import json

import pytest

from services.ingest import feeds
from services.ingest.article_input import ArticleInput
from services.ingest.errors import FeedParseError

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
    assert first.published == "2026-11-24T07:30:00+00:00"
    assert second.published is None


def test_atom_with_author_and_xml_lang() -> None:
    (entry,) = entries(feeds.parse(ATOM.encode()))
    assert entry.title == "Talks in Geneva"
    assert entry.authors == ["Ann Smith"]
    assert entry.language == "en"
    assert entry.published == "2026-11-24T09:15:00+00:00"


def test_rss1_rdf_with_dc_fields() -> None:
    parsed = feeds.parse(RDF.encode())
    (entry,) = entries(parsed)
    assert entry.title == "Gipfel in Wien"
    assert entry.language == "de"
    assert entry.published == "2026-11-24T09:00:00+00:00"


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
