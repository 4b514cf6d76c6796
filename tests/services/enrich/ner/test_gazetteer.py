"""Gazetteer: cross-language ids, stop-lists, word boundaries, inflected Russian forms."""

from __future__ import annotations

import pytest

from services.enrich.ner.gazetteer import Gazetteer
from services.enrich.settings import EnrichSettings

MOSCOW = "geonames:524901"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(EnrichSettings().languages)


def found(gazetteer: Gazetteer, text: str, language: str) -> list[tuple[str, str, str]]:
    return [
        (text[m.start : m.end], m.place.id, m.place.name) for m in gazetteer.find(text, language)
    ]


@pytest.mark.parametrize(
    ("surface", "language"),
    [("Moscou", "fr"), ("Moscow", "en"), ("Moskau", "de"), ("Moscú", "es"), ("Москва", "ru")],
)
def test_one_id_across_languages(gazetteer: Gazetteer, surface: str, language: str) -> None:
    place = gazetteer.lookup(surface, language)
    assert place is not None
    assert (place.id, place.name, place.kind) == (MOSCOW, "Moscow", "city")


@pytest.mark.parametrize("surface", ["Москве", "Москвы", "Москвой"])
def test_inflected_russian_forms(gazetteer: Gazetteer, surface: str) -> None:
    place = gazetteer.lookup(surface, "ru")
    assert place is not None
    assert place.id == MOSCOW
    assert found(gazetteer, f"Мэр {surface} заявил", "ru") == [(surface, MOSCOW, "Moscow")]


def test_countries_in_many_languages(gazetteer: Gazetteer) -> None:
    ids = {
        place.id
        for surface, language in [
            ("Allemagne", "fr"),
            ("Germany", "en"),
            ("Deutschland", "de"),
            ("Alemania", "es"),
            ("Германия", "ru"),
            ("Германией", "ru"),
            ("德国", "zh"),
            ("ألمانيا", "ar"),
        ]
        if (place := gazetteer.lookup(surface, language)) is not None
    }
    assert len(ids) == 1
    country = gazetteer.country("DE")
    assert country is not None
    assert ids == {country.id}


def test_found_in_text_with_offsets(gazetteer: Gazetteer) -> None:
    text = "Die Minister reisen von Wien nach Moskau und dann in die Schweiz."
    assert found(gazetteer, text, "de") == [
        ("Wien", "geonames:2761369", "Vienna"),
        ("Moskau", MOSCOW, "Moscow"),
        ("Schweiz", "geonames:2658434", "Switzerland"),
    ]


def test_stop_listed_words_are_not_places(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "Nice weather today. Of course, the Mobile app is fine.", "en") == []
    assert found(gazetteer, "Der Zug kam am Ende pünktlich an, das Essen war kalt.", "de") == []
    # ... but the same name is a place in a language where it is no common word
    assert [name for _s, _id, name in found(gazetteer, "Le maire de Nice.", "fr")] == ["Nice"]


def test_whole_words_only(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "La région Hauts-de-France et les Parisiens", "fr") == []
    assert found(gazetteer, "Moskauer Börse", "de") == []


def test_a_city_name_inside_a_longer_name_is_not_the_city(gazetteer: Gazetteer) -> None:
    text = "El presidente Salvador Illa habló con la Bolsa de Madrid."
    assert [surface for surface, _id, _name in found(gazetteer, text, "es")] == ["Madrid"]


def test_namesake_city_in_a_country_the_text_names(gazetteer: Gazetteer) -> None:
    in_spain = gazetteer.find("El puerto de Valencia, en España, crece.", "es")
    assert [m.place.country for m in in_spain] == ["ES", "ES"]


def test_unspaced_and_arabic_scripts(gazetteer: Gazetteer) -> None:
    assert [n for _s, _i, n in found(gazetteer, "王毅在北京会见法国外长", "zh")] == [
        "Beijing",
        "France",
    ]
    # the conjunction و is written onto the next word: the name is still found, without it
    assert found(gazetteer, "زار جنيف والسودان", "ar") == [
        ("جنيف", "geonames:2660646", "Geneva"),
        ("السودان", "geonames:366755", "Sudan"),
    ]
