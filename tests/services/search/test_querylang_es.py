"""The query language against the real node: a small corpus indexed with the real template (the
search tests' helpers), and the articles each query must find — precedence, parentheses, fields,
NOT, phrases, proximity, prefixes, accents, French and English stemming."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from services.search.querylang import parse, to_es
from shared.names import Names
from tests.services.search.conftest import Doc, article, index_articles

pytestmark = pytest.mark.integration

MOSCOW = "geonames:524901"
PUTIN = "Q7747"


def _doc(key: str, language: str, title: str, body: str, source: str, *entities: str) -> Doc:
    # entities as "Name/LABEL/id" (id may be empty)
    parsed = tuple((n, label, i or None) for n, label, i in (e.split("/") for e in entities))
    day = 1 + len(key) % 27  # spread over a month: dates play no part here
    return Doc(key, language, title, body, source, datetime(2026, 11, day, 9, tzinfo=UTC), parsed)


CORPUS = (
    _doc(
        "fr-tnp",
        "fr",
        "Le traité de non-prolifération en question",
        "Les négociateurs de l'Iran et de l'Irak discutent du traité de non-prolifération "
        "nucléaire.",
        "lemonde.fr",
        "Iran/LOC/geonames:130758",
    ),
    _doc(
        "fr-tnp-trump",
        "fr",
        "Trump critique le traité de non-prolifération",
        "Donald Trump a critiqué le traité de non-prolifération et l'accord avec l'Iran.",
        "lefigaro.fr",
        "Donald Trump/PER/Q22686",
    ),
    _doc(
        "fr-armes",
        "fr",
        "Les armes nucléaires au cœur des négociations",
        "À Vienne, les délégations négocient sur les armes nucléaires.",
        "lemonde.fr",
        "Vienne/LOC/geonames:2761369",
    ),
    _doc(
        "fr-election",
        "fr",
        "Élection présidentielle : le premier tour approche",
        "Les Français votent dimanche.",
        "lemonde.fr",
    ),
    _doc(
        "fr-municipales",
        "fr",
        "Les municipales à Lyon",
        "La campagne pour l'élection municipale commence à Lyon.",
        "france24.com",
        "Lyon/LOC/geonames:2996944",
    ),
    _doc(
        "fr-macron",
        "fr",
        "Emmanuel Macron en visite",
        "Le président Emmanuel Macron a visité une usine.",
        "france24.com",
        "Emmanuel Macron/PER/Q3052772",
    ),
    _doc(
        "en-war",
        "en",
        "War in the north intensifies",
        "Fighting continued through the night.",
        "bbc.co.uk",
    ),
    _doc(
        "en-peace",
        "en",
        "Peace talks resume in Geneva",
        "Diplomats hope the war will end soon.",
        "reuters.com",
        "Geneva/LOC/geonames:2660646",
    ),
    _doc(
        "en-treaties",
        "en",
        "Leaders sign two treaties",
        "The treaties were signed by Vladimir Putin and other leaders.",
        "reuters.com",
        f"Vladimir Putin/PER/{PUTIN}",
    ),
    _doc(
        "en-energy",
        "en",
        "Energy prices fall",
        "Oil and gas prices fell; OPEC members meet next month.",
        "reuters.com",
        "OPEC/ORG/Q7795",
    ),
    _doc(
        "en-moscow",
        "en",
        "Moscow hosts a summit",
        "Leaders gathered in Moscow for the summit.",
        "bbc.co.uk",
        f"Moscow/LOC/{MOSCOW}",
    ),
    _doc(
        "en-moscow-metro",
        "en",
        "Moscow metro extended",
        "New stations open in Moscow.",
        "bbc.co.uk",
        f"Moscow/LOC/{MOSCOW}",
    ),
    _doc(
        "ru-moscow",
        "ru",
        "Саммит в Москве",
        "Лидеры собрались в Москве.",
        "ria.ru",
        f"Москва/LOC/{MOSCOW}",
    ),
    _doc(
        "en-climate-exact",
        "en",
        "Ministers agree",
        "The climate deal was signed on Sunday.",
        "bbc.co.uk",
    ),
    _doc(
        "en-climate-finance",
        "en",
        "Finance ministers agree",
        "Ministers agreed a climate finance deal on Sunday.",
        "reuters.com",
    ),
    _doc(
        "en-nuclear",
        "en",
        "Nuclear power plants to close",
        "Two reactors will shut down next year.",
        "reuters.com",
    ),
    _doc(
        "de-vertrag",
        "de",
        "Verträge über Abrüstung unterzeichnet",
        "In Berlin wurden die Verträge unterzeichnet.",
        "spiegel.de",
    ),
    _doc(
        "es-paz",
        "es",
        "Los tratados de paz firmados en Madrid",
        "Los tratados fueron firmados el jueves.",
        "elpais.com",
    ),
    _doc(
        "en-rates",
        "en",
        "Central bank holds rates",
        "The central bank kept its rates unchanged.",
        "reuters.com",
    ),
    _doc(
        "fr-email",
        "fr",
        "Courriels : la messagerie en panne",
        "Le service d'e-mail est resté en panne dix heures.",
        "lemonde.fr",
    ),
)
AUTHORS = {"fr-tnp": ["Marie Dubois"], "en-rates": ["Jane Doe", "John Smith"]}


Search = Callable[[str], set[str]]


@pytest.fixture
def search(es: Elasticsearch, names: Names) -> Search:
    """The corpus indexed under this test's namespace; the search returns the keys found."""
    articles = []
    for doc in CORPUS:
        item = article(doc)
        if doc.key in AUTHORS:
            item = item.model_copy(update={"authors": AUTHORS[doc.key]})
        articles.append(item)
    keys = {item.id: doc.key for item, doc in zip(articles, CORPUS, strict=True)}
    index_articles(es, names, articles)

    def run(query: str) -> set[str]:
        response = es.search(
            index=names.read_alias, query=to_es(parse(query)), size=100, source_includes=["id"]
        )
        return {keys[hit["_source"]["id"]] for hit in response["hits"]["hits"]}

    return run


def _where(**wanted: str) -> set[str]:
    return {doc.key for doc in CORPUS if all(getattr(doc, k) == v for k, v in wanted.items())}


def _all_but(**unwanted: str) -> set[str]:
    return {doc.key for doc in CORPUS} - _where(**unwanted)


CASES: dict[str, list[tuple[str, set[str]]]] = {
    "precedence": [
        # a OR (b AND c), not (a OR b) AND c
        ("Geneva OR Moscow summit", {"en-peace", "en-moscow"}),
        # (a AND b) OR c, not a AND (b OR c)
        ("Moscow summit OR Geneva", {"en-moscow", "en-peace"}),
        # NOT stays with its term: Moscow OR (Geneva AND NOT metro)
        ("Moscow OR Geneva -metro", {"en-moscow", "en-moscow-metro", "en-peace"}),
    ],
    "parentheses": [
        ("(Geneva OR Moscow) summit", {"en-moscow"}),
        ("Moscow (summit OR metro)", {"en-moscow", "en-moscow-metro"}),
        ("(Moscow OR Geneva) -metro", {"en-moscow", "en-peace"}),
        ("-(Moscow OR Geneva) (summit OR talks OR metro)", set()),
    ],
    "fields": [
        ("war", {"en-war", "en-peace"}),
        ("title:war", {"en-war"}),
        ("body:war", {"en-peace"}),
        ("title:(war OR peace)", {"en-war", "en-peace"}),
        ("title:élection", {"fr-election"}),
        ("body:élection", {"fr-municipales"}),
        ("source:lemonde.fr", _where(source="lemonde.fr")),
        ("source:LeMonde.FR", _where(source="lemonde.fr")),
        ("source:(bbc.co.uk OR ria.ru) Moscow", {"en-moscow", "en-moscow-metro"}),
        ("lang:fr", _where(language="fr")),
        ("lang:RU", {"ru-moscow"}),
        ("lang:fr élection", {"fr-election", "fr-municipales"}),
        ('author:"marie dubois"', {"fr-tnp"}),
        ('author:"John Smith"', {"en-rates"}),
        ('entity:"Vladimir Putin"', {"en-treaties"}),
        ("entity:opec", {"en-energy"}),
        (f"entity:{PUTIN}", {"en-treaties"}),
        (f"entity:{MOSCOW}", {"en-moscow", "en-moscow-metro", "ru-moscow"}),
        ("place:Moscow", {"en-moscow", "en-moscow-metro"}),
        ("place:Москва", {"ru-moscow"}),
        ("place:москва", set()),  # case-insensitive for ASCII letters only (Elasticsearch's rule)
        ('person:"emmanuel macron"', {"fr-macron"}),
        ("org:OPEC", {"en-energy"}),
        ("person:OPEC", set()),
        ("lang:ru OR Geneva", {"ru-moscow", "en-peace"}),
    ],
    "not": [
        ('"traité de non-prolifération" -Trump', {"fr-tnp"}),
        ('NOT Trump "traité de non-prolifération"', {"fr-tnp"}),
        ('"traité de non-prolifération" AND (Iran OR Irak) -Trump', {"fr-tnp"}),
        (f"entity:{MOSCOW} -lang:ru", {"en-moscow", "en-moscow-metro"}),
        ("-lang:en", _all_but(language="en")),
        ("lang:ru OR -lang:en", _all_but(language="en")),
        ("-nucl*", {doc.key for doc in CORPUS} - {"fr-tnp", "fr-armes", "en-nuclear"}),
        (
            "NOT source:reuters.com NOT source:bbc.co.uk",
            _all_but(source="reuters.com") - _where(source="bbc.co.uk"),
        ),
    ],
    "phrases": [
        ('"armes nucléaires"', {"fr-armes"}),
        ('"nucléaires armes"', set()),
        ('"climate deal"', {"en-climate-exact"}),
        ('"climate deal"~0', {"en-climate-exact"}),
        ('"climate deal"~1', {"en-climate-exact", "en-climate-finance"}),
        ('title:"traité de non-prolifération"', {"fr-tnp", "fr-tnp-trump"}),
    ],
    "prefixes": [
        ("nucl*", {"fr-tnp", "fr-armes", "en-nuclear"}),
        ("négoci*", {"fr-tnp", "fr-armes"}),
        ("NEGOCI*", {"fr-tnp", "fr-armes"}),
        ("title:négoci*", {"fr-armes"}),
        ("Mosc* -metro", {"en-moscow"}),
    ],
    "accents": [
        ("arme nucleaire", {"fr-armes"}),
        ("armes nucléaires", {"fr-armes"}),
        ("election", {"fr-election", "fr-municipales"}),
        ("ÉLECTION", {"fr-election", "fr-municipales"}),
        ("negocient", {"fr-armes"}),
    ],
    "stemming": [
        # The French light stemmer makes négociateurs and négociations one stem.
        ("négociation", {"fr-armes", "fr-tnp"}),
        ("traités", {"fr-tnp", "fr-tnp-trump"}),
        ("accord", {"fr-tnp-trump"}),  # l'accord: elision
        ("treaty", {"en-treaties"}),
        ("signing", {"en-treaties", "en-climate-exact"}),
        ("price", {"en-energy"}),
        ("Москва", {"ru-moscow"}),
        ("Vertrag", {"de-vertrag"}),
        ("e-mail", {"fr-email"}),
    ],
}


@pytest.mark.parametrize("topic", list(CASES))
def test_known_answers(search: Search, topic: str) -> None:
    # One index per topic, every query of the topic against it (indexing is the slow part).
    failures = [
        (query, found, expected)
        for query, expected in CASES[topic]
        if (found := search(query)) != expected
    ]
    assert failures == []
