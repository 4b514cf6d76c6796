"""The word lists entity extraction decides with, per language: data only, no logic.

- ``stop_words``: spaCy's stop words (shipped with spaCy itself, no model needed);
- ``AMBIGUOUS``: place names that are everyday words or given names, never found as places
  in running text (the gazetteer) nor turned from a "person" into a place (the merger);
- ``GERMAN_ARTICLES``: after one of them a capitalised word is a noun, not a city;
- ``HONORIFICS``, ``TITLES``, ``ARTICLES``: words before a name: kept in the surface form
  (honorifics), or dropped from the span (job titles, articles);
- ``ORGANISATION_WORDS``: head nouns that make a name an organisation's;
- ``GENERIC``: capitalised common nouns that are never an entity on their own.
"""

from __future__ import annotations

import importlib


def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words for a language (shipped with spaCy, no model needed); none if unknown."""
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(module.STOP_WORDS)


# Place names that are everyday words in a language, so a capitalised one at the start of a
# sentence or in a name is usually not the place. Kept short and generic on purpose.
AMBIGUOUS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {"Nice", "Mobile", "Split", "Bar", "Of", "Reading", "Bath", "Orange", "March", "Mark"}
        | {"Sale", "Deal", "Hope", "Wells", "Most", "Best", "Tours", "Union", "Police"}
        # given names far more often meant as people than as the towns of that name
        | {"Florence", "Victoria", "Charlotte", "Jackson", "Lincoln", "Eugene", "Aurora"}
    ),
    "fr": frozenset({"Orange", "Sens", "Tours", "Mobile", "Bar"}),
    "de": frozenset(
        {"Essen", "Halle", "Zug", "Hof", "Ende", "Lage", "Weil", "Wetter", "Mark", "Bergen"}
        | {"Senden", "Werden", "Wedel", "Bad", "Hausen"}
    ),
    "es": frozenset({"Mayo", "Bajo", "Victoria", "Santa", "Nueva", "Real"}),
}
# Articles and article contractions: a capitalised word right after one is a noun in German.
GERMAN_ARTICLES = frozenset(
    {
        *("der", "die", "das", "dem", "den", "des", "ein", "eine", "einem", "einen", "einer"),
        *("eines", "im", "am", "zum", "zur", "vom", "beim"),
    }
)
# Honorifics: part of a person's surface form ("M. Barrot"), not of the name itself.
HONORIFICS = (
    *("M.", "MM.", "Mme", "Mmes", "Mlle", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr."),
    *("Prof.", "Herr", "Frau", "Sr.", "Sra.", "Srta.", "Sig.", "Sig.ra"),
    *("\u0433-\u043d", "\u0433-\u0436\u0430"),  # the Russian abbreviations of Mr and Mrs
)
# Head nouns of organisation names.
ORGANISATION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {"bank", "agency", "organization", "organisation", "foundation", "museum", "ministry"}
        | {"commission", "council", "committee", "association", "university", "institute"}
        | {"company", "group", "party", "corporation", "corp", "inc", "ltd", "plc", "holdings"}
        | {"electric", "airlines", "airways", "motors", "federation", "society", "authority"}
    ),
    "fr": frozenset(
        {"banque", "agence", "organisation", "fondation", "musée", "ministère", "commission"}
        | {"conseil", "comité", "association", "université", "institut", "compagnie", "groupe"}
        | {"parti", "syndicat", "assemblée", "métropole", "fédération", "société", "autorité"}
    ),
    "de": frozenset(
        {"bank", "agentur", "stiftung", "ministerium", "kommission", "verband", "universität"}
        | {"institut", "gruppe", "partei", "ag", "gmbh", "konzern", "behörde", "gewerkschaft"}
    ),
    "es": frozenset(
        {"banco", "agencia", "organización", "fundación", "museo", "ministerio", "comisión"}
        | {"consejo", "asociación", "universidad", "instituto", "grupo", "partido", "sindicato"}
    ),
}
# Articles that may lead a span ("the European Union"): no part of the name.
ARTICLES: dict[str, frozenset[str]] = {
    "en": frozenset({"the"}),
    "fr": frozenset({"le", "la", "les"}),
    "es": frozenset({"el", "la", "los", "las"}),
    "de": frozenset({"der", "die", "das", "den", "dem", "des"}),
    "it": frozenset({"il", "lo", "la", "i", "gli", "le"}),
    "pt": frozenset({"o", "a", "os", "as"}),
    "nl": frozenset({"de", "het"}),
}
# Job and rank titles: not part of a name (unlike honorifics, which the gold rules keep).
TITLES: dict[str, frozenset[str]] = {
    "en": frozenset(
        {"president", "minister", "chancellor", "prince", "princess", "king", "queen", "pope"}
        | {"sheikh", "senator", "governor", "mayor", "ceo", "chairman", "chairwoman"}
    ),
    "fr": frozenset(
        {"président", "présidente", "ministre", "chancelier", "chancelière", "prince", "roi"}
        | {"reine", "pape", "cheikh", "sénateur", "gouverneur", "maire", "princesse"}
    ),
    "de": frozenset(
        {"bundeskanzler", "bundeskanzlerin", "kanzler", "kanzlerin", "präsident", "minister"}
        | {"präsidentin", "ministerin", "bürgermeister", "bürgermeisterin", "könig", "papst"}
    ),
    "es": frozenset(
        {"presidente", "presidenta", "ministro", "ministra", "canciller", "rey", "reina"}
        | {"alcalde", "alcaldesa", "gobernador", "gobernadora", "príncipe", "princesa"}
    ),
}
# Capitalised common nouns the models take for names on their own ("les États membres",
# "l'État"): never an entity by themselves.
GENERIC: dict[str, frozenset[str]] = {
    "fr": frozenset({"état", "états", "etat", "etats"}),
    "en": frozenset({"state", "states"}),
}
