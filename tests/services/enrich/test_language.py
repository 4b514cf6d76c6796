"""LanguageDetector: lingua + fastText, `und` when unsure, the hint only breaking ties."""

from __future__ import annotations

import pytest

from services.enrich.language import LanguageDetector
from services.enrich.settings import EnrichSettings


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(EnrichSettings())


@pytest.mark.parametrize(
    ("expected", "title"),
    [
        ("fr", "Le gouvernement annonce une réforme des retraites pour l'automne"),
        ("en", "Council approves new budget after a long night of talks"),
        ("de", "Stadtrat beschließt neuen Haushalt nach langer Debatte"),
        ("es", "El ayuntamiento aprueba los presupuestos tras un largo debate"),
        ("it", "Il consiglio comunale approva il bilancio dopo un lungo dibattito"),
        ("pt", "Câmara municipal aprova orçamento depois de longo debate"),
        ("ru", "Городская дума приняла бюджет после долгих споров"),
        ("uk", "Міська рада ухвалила бюджет після тривалих дебатів"),
        ("ar", "المجلس البلدي يقر الميزانية بعد نقاش طويل"),
        ("zh", "市议会经过长时间辩论通过预算"),
    ],
)
def test_headlines(detector: LanguageDetector, expected: str, title: str) -> None:
    language, confidence = detector.detect(title, "")
    assert language == expected
    assert confidence >= 0.5


LONG = {
    "fr": (
        "Les ministres se sont retrouvés mardi pour une réunion consacrée à l'énergie. Après "
        "plusieurs heures de discussion, ils ont convenu d'un calendrier commun pour les "
        "investissements dans les réseaux électriques et le stockage."
    ),
    "en": (
        "Ministers met on Tuesday for a meeting devoted to energy. After several hours of "
        "discussion they agreed on a common timetable for investment in power grids and storage, "
        "and asked officials to report back before the summer."
    ),
    "de": (
        "Die Minister trafen sich am Dienstag zu einem Treffen über Energie. Nach mehreren "
        "Stunden Diskussion einigten sie sich auf einen gemeinsamen Zeitplan für Investitionen "
        "in Stromnetze und Speicher."
    ),
    "es": (
        "Los ministros se reunieron el martes en una reunión dedicada a la energía. Tras varias "
        "horas de debate acordaron un calendario común para las inversiones en redes eléctricas "
        "y almacenamiento."
    ),
    "ru": (
        "Министры встретились во вторник на совещании, посвящённом энергетике. После "
        "нескольких часов обсуждения они согласовали общий график инвестиций в электросети "
        "и хранение энергии."
    ),
    "nl": (
        "De ministers kwamen dinsdag bijeen voor een vergadering over energie. Na enkele uren "
        "discussie spraken zij een gemeenschappelijk tijdschema af voor investeringen in "
        "elektriciteitsnetten en opslag."
    ),
}


@pytest.mark.parametrize("expected", sorted(LONG))
def test_long_texts(detector: LanguageDetector, expected: str) -> None:
    language, confidence = detector.detect("", LONG[expected])
    assert (language, confidence >= 0.9) == (expected, True)


def test_only_the_first_detect_chars_count(detector: LanguageDetector) -> None:
    text = LONG["fr"] + " " + LONG["en"] * 20  # French first, then a lot of English
    assert detector.detect("", text)[0] == "fr"


@pytest.mark.parametrize(
    "text", ["", "   ", "OK", "12345 !!!", "asdf qwer zxcv", "xkcd", "qwertyuiop asdfghjkl"]
)
def test_undetermined_on_gibberish_and_too_short(detector: LanguageDetector, text: str) -> None:
    language, confidence = detector.detect(text, "")
    assert language == "und"
    assert 0.0 <= confidence < 0.5


def test_language_outside_the_configured_set(detector: LanguageDetector) -> None:
    language, confidence = detector.detect(
        "Regeringen presenterar en ny budget för nästa år", "Förslaget debatteras i riksdagen."
    )
    assert language == "sv"
    assert confidence >= 0.8


def test_hint_breaks_a_tie(detector: LanguageDetector) -> None:
    title = "Presidente da República"  # Portuguese, but close to Spanish and Italian
    assert detector.detect(title, "")[0] == "und"
    language, confidence = detector.detect(title, "", hint="pt-BR")
    assert language == "pt"
    assert confidence >= 0.5


def test_hint_does_not_override_a_clear_text(detector: LanguageDetector) -> None:
    assert detector.detect("", LONG["fr"], hint="en")[0] == "fr"
    assert detector.detect("", LONG["de"], hint="nl")[0] == "de"
