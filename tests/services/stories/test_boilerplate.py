# ruff: noqa: RUF001 (Cyrillic and typographic dashes are the test data)
"""Boilerplate rules, per language, on lines written here (not taken from the labelled set)."""

from __future__ import annotations

import pytest

from services.stories.boilerplate import (
    fingerprint_text,
    is_boilerplate_line,
    normalise,
    strip_boilerplate,
    strip_dateline,
)

DROPPED = {
    "en": [
        "(Reuters)",
        "© 2025 The Associated Press. All rights reserved.",
        "Reporting by Ana Lima; Editing by Mark Potter",
        "Read more: Markets slide as bond yields climb",
        "Sign up for our evening newsletter",
        "Share this story",
        "By Michael Grant and Sarah Kim",
        "— AP",
        "Photo: Kim Hong-Ji / Reuters",
        "Related: Five things to know about the vote",
    ],
    "fr": [
        "(AFP)",
        "Avec AFP et Reuters",
        "Lire aussi : Le gouvernement présente son budget",
        "À lire aussi Les agriculteurs manifestent à Bruxelles",
        "Par Jean-Baptiste Roux",
        "Par Élise Martin, envoyée spéciale à Kiev",
        "Abonnez-vous pour lire la suite",
        "Partager",
        "Photo : Ludovic Marin / AFP",
        "© AFP 2025",
    ],
    "de": [
        "(dpa)",
        "Lesen Sie auch: Wie die Bahn pünktlicher werden will",
        "Mehr zum Thema: Die Schuldenbremse",
        "Von Katrin Schulze",
        "Folgen Sie uns auf Instagram",
        "© dpa-infocom GmbH",
        "Mit Material von AFP und dpa",
        "Alle Rechte vorbehalten.",
    ],
    "es": [
        "(EFE)",
        "Lea también: El Gobierno aprueba el decreto",
        "Te puede interesar: Las claves del acuerdo",
        "Por María José Fernández",
        "Suscríbete a la newsletter diaria",
        "Compartir en redes sociales",
        "Con información de Europa Press",
        "Síguenos en X",
    ],
    "ru": [
        "Читайте также: Правительство утвердило бюджет",
        "Смотрите также: главные события недели",
        "Автор: Анна Петрова",
        "© ТАСС",
        "Подпишитесь на наш Telegram-канал",
        "По материалам РИА Новости",
        "Поделиться",
        "Фото: Сергей Иванов / ТАСС",
    ],
}
KEPT = [
    "By Tuesday, the two sides had agreed on a ceasefire.",
    "Shares in the company rose 3% in early trading.",
    "AFP reported that the minister had resigned after the vote on Monday.",
    "Par ailleurs, le ministre a annoncé une hausse des crédits.",
    "Partager les coûts entre les régions reste l'objectif du gouvernement.",
    "Von Montag an gelten neue Regeln für Pendler.",
    "Por la tarde, el Gobierno aprobó el decreto.",
    "Подробнее о программе рассказал министр финансов.",
    "Related to the reform, the unions announced a strike.",
    "Read also the statement of the minister, said the spokesman, who declined further comment"
    " on the matter before the vote that is expected later this week in the national assembly,"
    " where the coalition holds a narrow majority and several deputies have already announced"
    " that they would abstain or vote against the text unless it is amended substantially in"
    " committee",  # a long paragraph is report, whatever it starts with
]


@pytest.mark.parametrize(
    ("language", "line"), [(lang, line) for lang, lines in DROPPED.items() for line in lines]
)
def test_credit_footer_and_byline_lines_are_boilerplate(language: str, line: str) -> None:
    assert is_boilerplate_line(line), (language, line)


@pytest.mark.parametrize("line", KEPT)
def test_report_lines_are_kept(line: str) -> None:
    assert not is_boilerplate_line(line)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("LONDON (Reuters) - Britain's economy grew", "Britain's economy grew"),
        ("BRUXELLES, 12 février (AFP) - La Commission", "La Commission"),
        ("Kiew (dpa) - Die Ukraine", "Die Ukraine"),
        ("FRANKFURT, 4. März (dpa) – Die EZB", "Die EZB"),
        ("Sevilla, 5 mar (EFE).- El alcalde", "El alcalde"),
        ("САНКТ-ПЕТЕРБУРГ, 5 апреля. /ТАСС/. Губернатор", "Губернатор"),
        ("КАЗАНЬ, 5 апр — РИА Новости. Власти", "Власти"),
        ("NEW YORK — Stocks fell", "Stocks fell"),
        ("(AFP) - Le président", "Le président"),
        ("NATO defence ministers met in Brussels", "NATO defence ministers met in Brussels"),
        ("OPEC+ agreed on Sunday", "OPEC+ agreed on Sunday"),
        ("L'Organisation (OMS) a réuni", "L'Organisation (OMS) a réuni"),
    ],
)
def test_dateline_is_removed_from_the_start_only(text: str, rest: str) -> None:
    assert strip_dateline(text) == rest


def test_footer_block_goes_from_its_first_boilerplate_line() -> None:
    body = (
        "The central bank kept its main rate unchanged on Thursday, citing stubborn inflation.\n\n"
        "The decision was expected.\n\n"
        "Subscribe to our daily briefing\n"
        "The best of our journalism, every morning in your inbox\n"
        "© Reuters 2025"
    )
    assert strip_boilerplate(body) == (
        "The central bank kept its main rate unchanged on Thursday, citing stubborn inflation.\n"
        "The decision was expected."
    )


def test_a_byline_does_not_take_a_short_text_with_it() -> None:
    assert strip_boilerplate("By Jane Doe\n\nTrains resume after the storm.\n(AP)") == (
        "Trains resume after the storm."
    )


def test_a_credit_closing_a_paragraph_is_removed() -> None:
    assert strip_boilerplate("Le trafic reprendra lundi, a précisé la SNCF. (AFP)") == (
        "Le trafic reprendra lundi, a précisé la SNCF."
    )
    assert strip_boilerplate("Die Gespräche gehen weiter. — dpa") == "Die Gespräche gehen weiter."


def test_normalise_folds_accents_case_compatibility_forms_and_spaces() -> None:
    assert normalise("  L’Élysée\u00a0à   PÉKIN\n\nﬁnal ") == "l’elysee a pekin final"
    assert normalise("Ёлка и ЕЛКА") == "елка и елка"
    assert normalise("Straße") == "strasse"  # casefold, not lower


def test_fingerprint_text_is_the_body_else_the_summary() -> None:
    assert fingerprint_text("PARIS (AFP) - Le Louvre rouvre.\n\n(AFP)") == "le louvre rouvre."
    assert fingerprint_text("", "Un résumé seul.") == "un resume seul."
    assert fingerprint_text("   ", "") == ""
