"""The merge rules of ``services.enrich.ner.merge``, one test each, on hand-built mentions.

No NER model and no gazetteer are loaded: the mentions are what a backend would hand over, and
the places come from a small stand-in lookup. The numbers are the rules' numbers in the
module's docstring.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.enrich.ner.gazetteer import Place
from services.enrich.ner.mention import Mention
from services.enrich.ner.merge import Merger
from shared.models import Entity, EntityLabel

MOSCOW = Place("geonames:524901", "Moscow", "city", "RU", 10_381_222)
KYIV = Place("geonames:703448", "Kyiv", "city", "UA", 2_797_553)
PARIS = Place("geonames:2988507", "Paris", "city", "FR", 2_138_551)
RUSSIA = Place("geonames:2017370", "Russia", "country", "RU", 144_478_050)
HAGUE = Place("geonames:2747373", "The Hague", "city", "NL", 474_292)
VILLAGE = Place("geonames:1", "Airbus", "city", "FR", 2_000)
ENERHODAR = Place("geonames:709161", "Enerhodar", "city", "UA", 103_000)


class Places:
    """The gazetteer's ``lookup``, over a fixed table."""

    def __init__(self, table: dict[str, Place] | None = None) -> None:
        self.table = table or {}

    def lookup(self, surface: str, language: str, countries: Iterable[str] = ()) -> Place | None:
        return self.table.get(surface)


def at(
    text: str,
    surface: str,
    label: EntityLabel,
    *,
    nth: int = 0,
    normal: str | None = None,
    place: Place | None = None,
) -> Mention:
    """The mention of the ``nth`` occurrence of ``surface`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Mention(start, start + len(surface), label, normal=normal, place=place)


def merge(
    text: str, mentions: list[Mention], language: str = "fr", places: dict[str, Place] | None = None
) -> list[Entity]:
    return Merger(Places(places), [language]).merge(text, mentions, language)


def summary(entities: list[Entity]) -> list[tuple[str, str, list[str], int]]:
    return [(e.canonical, e.label, e.surface_forms, e.count) for e in entities]


# -- 1: spans are cleaned ----------------------------------------------------------------------


def test_1_surrounding_quotes_and_punctuation_go() -> None:
    text = "Le groupe «Airbus», dit-on."
    assert summary(merge(text, [at(text, "«Airbus»,", "ORG")])) == [
        ("Airbus", "ORG", ["Airbus"], 1)
    ]


def test_1_a_french_elided_article_goes() -> None:
    text = "Selon l'OMS, rien ne change."
    assert summary(merge(text, [at(text, "l'OMS", "ORG")])) == [("OMS", "ORG", ["OMS"], 1)]


def test_1_a_name_and_its_abbreviation_in_one_span_are_one_entity() -> None:
    text = "L'Organisation des Nations unies (ONU) se réunit."
    mentions = [at(text, "Organisation des Nations unies (ONU)", "ORG")]
    assert summary(merge(text, mentions)) == [
        ("Organisation des Nations unies", "ORG", ["Organisation des Nations unies", "ONU"], 2)
    ]


def test_1_an_abbreviation_in_brackets_right_after_a_name_joins_it() -> None:
    # not the initials of the name (that is rule 6): only the brackets tie them
    text = "Le Fonds monétaire international (IMF) prête."
    mentions = [at(text, "Fonds monétaire international", "ORG"), at(text, "IMF", "ORG")]
    assert summary(merge(text, mentions)) == [
        ("Fonds monétaire international", "ORG", ["Fonds monétaire international", "IMF"], 2)
    ]


def test_1_a_span_stops_at_a_line_break() -> None:
    text = "Emmanuel Macron\nLe président a parlé."
    assert summary(merge(text, [at(text, "Emmanuel Macron\nLe", "PER")])) == [
        ("Emmanuel Macron", "PER", ["Emmanuel Macron"], 1)
    ]


def test_1_a_leading_article_goes_unless_the_whole_is_a_place() -> None:
    text = "The European Union met in The Hague."
    mentions = [at(text, "The European Union", "ORG"), at(text, "The Hague", "LOC")]
    entities = merge(text, mentions, "en", {"The Hague": HAGUE})
    assert summary(entities) == [
        ("European Union", "ORG", ["European Union"], 1),
        ("The Hague", "LOC", ["The Hague"], 1),
    ]


def test_1_a_title_before_a_person_goes() -> None:
    text = "Prince Abdulaziz spoke."
    assert summary(merge(text, [at(text, "Prince Abdulaziz", "PER")], "en")) == [
        ("Abdulaziz", "PER", ["Abdulaziz"], 1)
    ]


def test_1_a_title_stays_in_the_name_of_something_else() -> None:
    text = "He was taken to King Charles Hospital."
    assert summary(merge(text, [at(text, "King Charles Hospital", "ORG")], "en")) == [
        ("King Charles Hospital", "ORG", ["King Charles Hospital"], 1)
    ]


def test_1_a_title_with_no_name_after_it_is_no_entity() -> None:
    text = "The Minister of defence resigned."
    assert merge(text, [at(text, "Minister of defence", "ORG")], "en") == []


def test_1_a_lower_case_noun_before_a_name_goes() -> None:
    text = "La région Hauts-de-France a voté."
    assert summary(merge(text, [at(text, "région Hauts-de-France", "LOC")])) == [
        ("Hauts-de-France", "LOC", ["Hauts-de-France"], 1)
    ]


def test_1_an_english_possessive_goes() -> None:
    text = "Google's profits rose."
    assert summary(merge(text, [at(text, "Google's", "ORG")], "en")) == [
        ("Google", "ORG", ["Google"], 1)
    ]


def test_1_english_lower_case_words_at_the_end_go() -> None:
    text = "Pacific island states met."
    assert summary(merge(text, [at(text, "Pacific island states", "LOC")], "en")) == [
        ("Pacific", "LOC", ["Pacific"], 1)
    ]


def test_1_too_short_or_a_common_noun_alone_is_no_entity() -> None:
    text = "« A » : l'État a dit non."
    assert merge(text, [at(text, "« A »", "MISC"), at(text, "l'État", "LOC")]) == []


# -- 2: honorifics -------------------------------------------------------------------------------


def test_2_an_honorific_joins_the_span_and_makes_a_person() -> None:
    text = "M. Barrot a parlé."
    assert summary(merge(text, [at(text, "Barrot", "ORG")])) == [
        ("Barrot", "PER", ["M. Barrot"], 1)
    ]


def test_2_the_backend_normal_form_is_the_key() -> None:
    text = "Визит Путина прошёл."
    mentions = [at(text, "Путина", "PER", normal="Путин")]
    assert summary(merge(text, mentions, "ru")) == [("Путин", "PER", ["Путина"], 1)]


# -- 3: overlaps ---------------------------------------------------------------------------------


def test_3_of_overlapping_spans_the_longer_wins() -> None:
    text = "L'Organisation des Nations unies siège."
    mentions = [
        at(text, "Nations unies", "ORG"),
        at(text, "Organisation des Nations unies", "ORG"),
    ]
    assert summary(merge(text, mentions)) == [
        ("Organisation des Nations unies", "ORG", ["Organisation des Nations unies"], 1)
    ]


# -- 4: places -----------------------------------------------------------------------------------


def test_4_a_known_place_gets_its_id_and_its_name() -> None:
    text = "Rencontre à Moscou."
    (entity,) = merge(text, [at(text, "Moscou", "LOC")], "fr", {"Moscou": MOSCOW})
    assert (entity.canonical, entity.label, entity.id, entity.surface_forms) == (
        "Moscow",
        "LOC",
        MOSCOW.id,
        ["Moscou"],
    )


def test_4_an_organisation_that_is_a_country_or_a_big_city_is_the_place() -> None:
    text = "Russia said no; Airbus said yes."
    mentions = [at(text, "Russia", "ORG"), at(text, "Airbus", "ORG")]
    entities = merge(text, mentions, "en", {"Russia": RUSSIA, "Airbus": VILLAGE})
    assert [(e.canonical, e.label, e.id) for e in entities] == [
        ("Russia", "LOC", RUSSIA.id),
        ("Airbus", "ORG", None),  # a village of that name is not enough
    ]


def test_4_a_one_word_person_that_is_a_big_city_is_the_place_unless_in_a_name() -> None:
    text = "Kyiv answered. Paris Hilton laughed; Paris left."
    mentions = [
        at(text, "Kyiv", "PER"),
        at(text, "Paris Hilton", "PER"),
        at(text, "Paris", "PER", nth=1),
    ]
    entities = merge(text, mentions, "en", {"Kyiv": KYIV, "Paris": PARIS})
    assert [(e.canonical, e.label, e.id, e.count) for e in entities] == [
        ("Kyiv", "LOC", KYIV.id, 1),
        ("Paris Hilton", "PER", None, 2),
    ]


def test_4_mentions_of_one_place_merge_whatever_their_language() -> None:
    text = "De Moscou (Moscow, Москве) à Kyiv."
    mentions = [at(text, "Moscou", "LOC"), at(text, "Moscow", "LOC"), at(text, "Москве", "LOC")]
    places = {"Moscou": MOSCOW, "Moscow": MOSCOW, "Москве": MOSCOW}
    assert summary(merge(text, mentions, "fr", places)) == [
        ("Moscow", "LOC", ["Moscou", "Moscow", "Москве"], 3)
    ]


# -- 5: people and short forms -------------------------------------------------------------------


def test_5_a_surname_merges_into_the_full_name() -> None:
    text = "Emmanuel Macron arrive. M. Macron salue. Macron part."
    mentions = [
        at(text, "Emmanuel Macron", "PER"),
        at(text, "M. Macron", "PER"),
        at(text, "Macron", "PER", nth=2),
    ]
    assert summary(merge(text, mentions)) == [
        ("Emmanuel Macron", "PER", ["Emmanuel Macron", "M. Macron", "Macron"], 3)
    ]


def test_5_a_surname_the_model_labelled_else_merges_into_the_person() -> None:
    text = "Emmanuel Macron arrive. Macron salue."
    mentions = [at(text, "Emmanuel Macron", "PER"), at(text, "Macron", "ORG", nth=1)]
    assert summary(merge(text, mentions)) == [
        ("Emmanuel Macron", "PER", ["Emmanuel Macron", "Macron"], 2)
    ]


def test_5_a_surname_two_people_share_stays_apart() -> None:
    text = "Jean Dupont et Marie Dupont arrivent. Dupont parle."
    mentions = [
        at(text, "Jean Dupont", "PER"),
        at(text, "Marie Dupont", "PER"),
        at(text, "Dupont", "PER", nth=2),
    ]
    assert [e.canonical for e in merge(text, mentions)] == ["Jean Dupont", "Marie Dupont", "Dupont"]


def test_5_one_word_merges_into_the_longer_name_of_its_label_ending_with_it() -> None:
    text = "Le musée du Louvre ouvre. Le Louvre ferme."
    mentions = [at(text, "musée du Louvre", "ORG"), at(text, "Louvre", "ORG", nth=1)]
    assert summary(merge(text, mentions)) == [
        ("musée du Louvre", "ORG", ["musée du Louvre", "Louvre"], 2)
    ]


# -- 6: abbreviations ----------------------------------------------------------------------------


def test_6_an_abbreviation_of_initials_merges_into_its_name() -> None:
    text = "L'Agence internationale de l'énergie atomique inspecte. L'AIEA conclut."
    mentions = [
        at(text, "Agence internationale de l'énergie atomique", "ORG"),
        at(text, "AIEA", "ORG"),
    ]
    assert summary(merge(text, mentions)) == [
        (
            "Agence internationale de l'énergie atomique",
            "ORG",
            ["Agence internationale de l'énergie atomique", "AIEA"],
            2,
        )
    ]


def test_6_an_abbreviation_of_two_names_stays_apart() -> None:
    text = "La Banque centrale européenne et le Bureau central européen. La BCE répond."
    mentions = [
        at(text, "Banque centrale européenne", "ORG"),
        at(text, "Bureau central européen", "ORG"),
        at(text, "BCE", "ORG"),
    ]
    assert [e.canonical for e in merge(text, mentions)] == [
        "Banque centrale européenne",
        "Bureau central européen",
        "BCE",
    ]


# -- 7: labels the words tell --------------------------------------------------------------------


def test_7_an_organisation_head_noun_makes_an_organisation() -> None:
    text = "La Fondation Gates finance."
    assert summary(merge(text, [at(text, "Fondation Gates", "PER")])) == [
        ("Fondation Gates", "ORG", ["Fondation Gates"], 1)
    ]


def test_7_an_english_demonym_is_misc() -> None:
    text = "Ukrainian forces advanced."
    assert summary(merge(text, [at(text, "Ukrainian", "LOC")], "en")) == [
        ("Ukrainian", "MISC", ["Ukrainian"], 1)
    ]


def test_7_in_a_full_article_a_lone_one_word_person_is_a_place_or_an_organisation() -> None:
    text = "Nuclear plant inspected\n\n" + (
        "Inspectors visited the plant near Enerhodar on Tuesday, where Rosatom runs the "
        "reactors. " * 4
    )
    mentions = [at(text, "Enerhodar", "PER"), at(text, "Rosatom", "PER")]
    entities = merge(text, mentions, "en", {"Enerhodar": ENERHODAR})
    assert [(e.canonical, e.label, e.id) for e in entities] == [
        ("Enerhodar", "LOC", ENERHODAR.id),
        ("Rosatom", "ORG", None),
    ]


# -- 8: occurrences the model missed -------------------------------------------------------------


def test_8_other_occurrences_of_a_form_and_a_surname_join_their_entity() -> None:
    text = "Airbus et Guillaume Faury. Airbus livre; M. Faury confirme."
    mentions = [at(text, "Airbus", "ORG"), at(text, "Guillaume Faury", "PER")]
    assert summary(merge(text, mentions)) == [
        ("Airbus", "ORG", ["Airbus"], 2),
        ("Guillaume Faury", "PER", ["Guillaume Faury", "M. Faury"], 2),
    ]


# -- the entity ----------------------------------------------------------------------------------


def test_the_label_is_the_one_most_mentions_carry() -> None:
    text = "Airbus, Airbus et Airbus."
    mentions = [
        at(text, "Airbus", "ORG"),
        at(text, "Airbus", "MISC", nth=1),
        at(text, "Airbus", "ORG", nth=2),
    ]
    assert summary(merge(text, mentions)) == [("Airbus", "ORG", ["Airbus"], 3)]
