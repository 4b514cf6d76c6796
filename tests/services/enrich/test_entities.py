"""EntityExtractor: routing per language, labels, mention merging, offsets, place ids."""

from __future__ import annotations

import pytest

from services.enrich.entities import EntityExtractor
from services.enrich.ner.mention import Mention, normalise_label
from services.enrich.settings import EnrichSettings
from shared.models import Entity, EntityLabel

MOSCOW = "geonames:524901"

TREATY = (
    "Traité de coopération signé à Berlin\n\n"
    "Le président Emmanuel Macron et le chancelier Friedrich Merz ont signé mardi à Berlin un "
    "traité de coopération entre la France et l'Allemagne. M. Macron a salué un texte qui "
    "engage aussi l'Union européenne. Le secrétaire général de l'Organisation des Nations unies "
    "(ONU), António Guterres, a félicité Paris et Berlin. Selon M. Merz, la Commission "
    "européenne présentera un plan d'ici à la fin de l'année. La Pologne et l'Italie ont "
    "annoncé qu'elles rejoindraient le texte, qui sera présenté à Bruxelles puis à Varsovie."
)


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor(EnrichSettings())


def by_canonical(entities: list[Entity]) -> dict[str, Entity]:
    return {entity.canonical: entity for entity in entities}


def one(extractor: EntityExtractor, language: str, text: str) -> list[Entity]:
    return extractor.extract_many([(language, text)])[0]


def test_routing(extractor: EntityExtractor) -> None:
    assert [extractor.backend(lang) for lang in ("fr", "en", "ru", "de", "zh")] == [
        "spacy",
        "spacy",
        "natasha",
        "gazetteer",
        "gazetteer",
    ]


@pytest.mark.parametrize(
    ("model_label", "ours"),
    [
        ("PERSON", "PER"),
        ("PER", "PER"),
        ("GPE", "LOC"),
        ("FAC", "LOC"),
        ("NORP", "MISC"),
        ("EVENT", "MISC"),
        ("ORG", "ORG"),
        ("DATE", None),
        ("MONEY", None),
        ("CARDINAL", None),
        ("SOMETHING_NEW", None),
    ],
)
def test_label_normalisation(model_label: str, ours: str | None) -> None:
    assert normalise_label(model_label) == ours


def test_french_treaty_paragraph(extractor: EntityExtractor) -> None:
    entities = by_canonical(one(extractor, "fr", TREATY))
    assert entities["Emmanuel Macron"].label == "PER"
    assert entities["Friedrich Merz"].label == "PER"
    assert entities["António Guterres"].label == "PER"
    for country, iso_name in [
        ("France", "France"),
        ("Allemagne", "Germany"),
        ("Pologne", "Poland"),
    ]:
        assert entities[iso_name].label == "LOC"
        assert country in entities[iso_name].surface_forms
        assert (entities[iso_name].id or "").startswith("geonames:")
    for city in ("Berlin", "Paris", "Brussels", "Warsaw"):
        assert entities[city].label == "LOC"
        assert (entities[city].id or "").startswith("geonames:")
    assert entities["Union européenne"].label == "ORG"
    assert entities["Commission européenne"].label == "ORG"
    un = entities["Organisation des Nations unies"]
    assert (un.label, set(un.surface_forms)) == ("ORG", {"Organisation des Nations unies", "ONU"})


def test_short_and_titled_mentions_merge_into_the_full_name(extractor: EntityExtractor) -> None:
    text = (
        "Vladimir Poutine reçoit Emmanuel Macron\n\n"
        "Vladimir Poutine a reçu Emmanuel Macron au Kremlin. M. Poutine a insisté sur la "
        "sécurité ; Macron a répondu que Poutine devait d'abord respecter ses engagements. "
        "M. Macron repart jeudi."
    )
    entities = by_canonical(one(extractor, "fr", text))
    putin = entities["Vladimir Poutine"]
    assert putin.label == "PER"
    assert {"Vladimir Poutine", "M. Poutine", "Poutine"} <= set(putin.surface_forms)
    assert putin.count == 4
    macron = entities["Emmanuel Macron"]
    assert {"Emmanuel Macron", "M. Macron", "Macron"} <= set(macron.surface_forms)
    assert macron.count == 4
    assert "Poutine" not in entities
    assert "Macron" not in entities


def test_english_honorifics_and_abbreviations(extractor: EntityExtractor) -> None:
    text = (
        "Grossi visits Vienna\n\n"
        "Rafael Grossi, head of the International Atomic Energy Agency (IAEA), arrived in "
        "Vienna on Monday. Mr Grossi said the IAEA would publish its report in March."
    )
    entities = by_canonical(one(extractor, "en", text))
    grossi = entities["Rafael Grossi"]
    assert {"Grossi", "Rafael Grossi", "Mr Grossi"} <= set(grossi.surface_forms)
    iaea = entities["International Atomic Energy Agency"]
    assert (iaea.label, iaea.count) == ("ORG", 3)
    assert entities["Vienna"].id == "geonames:2761369"


def test_dates_numbers_and_money_are_dropped(extractor: EntityExtractor) -> None:
    text = "On 3 March 2026 the company paid $40 million, about 12 per cent more than in 2025."
    assert {entity.label for entity in one(extractor, "en", text)} <= {"PER", "ORG", "LOC", "MISC"}
    assert all(not any(ch.isdigit() for ch in e.canonical) for e in one(extractor, "en", text))


def test_offsets_point_at_the_surface_text(extractor: EntityExtractor) -> None:
    items = [
        ("fr", TREATY),
        ("ru", "Сергей Собянин заявил в Москве, что Москва и Казань подпишут соглашение."),
        ("de", "Der Minister flog von Berlin über Wien nach Moskau."),
        ("zh", "王毅在北京会见法国外长"),
    ]
    for (_language, text), entities in zip(items, extractor.extract_many(items), strict=True):
        assert entities
        for entity in entities:
            assert entity.count == len(entity.offsets)
            for start, end in entity.offsets:
                assert text[start:end] in entity.surface_forms


def test_one_place_id_across_languages(extractor: EntityExtractor) -> None:
    items = [
        ("fr", "Le ministre est arrivé à Moscou lundi."),
        ("en", "The minister arrived in Moscow on Monday."),
        ("de", "Der Minister ist am Montag in Moskau angekommen."),
        ("ru", "Министр прибыл в Москву в понедельник."),
    ]
    places = [
        [(e.id, e.canonical, e.label) for e in entities if e.id == MOSCOW]
        for entities in extractor.extract_many(items)
    ]
    assert places == [[(MOSCOW, "Moscow", "LOC")]] * 4


def test_russian_names_in_the_nominative(extractor: EntityExtractor) -> None:
    text = (
        "Путин встретился с Токаевым\n\n"  # noqa: RUF001 (Cyrillic)
        "Владимир Путин провёл переговоры с Касым-Жомартом Токаевым в Астане. Путин заявил, "  # noqa: RUF001
        "что Евразийского экономического союза ждёт новый этап."
    )
    entities = by_canonical(one(extractor, "ru", text))
    assert {"Путин", "Владимир Путин"} <= set(entities["Владимир Путин"].surface_forms)
    assert entities["Касым-Жомарт Токаев"].label == "PER"
    assert entities["Astana"].surface_forms == ["Астане"]
    assert entities["Евразийский экономический союз"].label == "ORG"


def test_batches_keep_order_and_languages(extractor: EntityExtractor) -> None:
    items = [
        ("en", "Airbus opened a plant in Toulouse."),
        ("fr", "Airbus ouvre une usine à Toulouse."),
        ("xx", "Nothing to route here."),
        ("en", ""),
    ]
    results = extractor.extract_many(items)
    assert len(results) == 4
    assert "Toulouse" in by_canonical(results[0])
    assert "Toulouse" in by_canonical(results[1])
    assert results[3] == []
    assert extractor.extract_many([]) == []


def _merge(
    extractor: EntityExtractor, language: str, text: str, *spans: tuple[str, EntityLabel]
) -> list[Entity]:
    mentions = [Mention(text.index(s), text.index(s) + len(s), label) for s, label in spans]
    return extractor._merger.merge(text, mentions, language)


def test_generic_nouns_alone_are_not_entities(extractor: EntityExtractor) -> None:
    # The models take "États" in "les États membres" for a place: it is a common noun.
    text = "Les États membres et l'État français soutiennent la France."
    found = _merge(extractor, "fr", text, ("États", "LOC"), ("État", "LOC"), ("France", "LOC"))
    assert [e.canonical for e in found] == ["France"]


def test_english_trailing_lower_case_words_are_not_part_of_the_name(
    extractor: EntityExtractor,
) -> None:
    text = "Pacific island states pressed for progress, and the Bank of England agreed."
    found = _merge(
        extractor, "en", text, ("Pacific island states", "LOC"), ("Bank of England", "ORG")
    )
    assert [(e.surface_forms, e.label) for e in found] == [
        (["Pacific"], "LOC"),
        (["Bank of England"], "ORG"),
    ]
