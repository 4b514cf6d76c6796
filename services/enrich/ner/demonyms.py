"""Nationality adjectives written in lower case (MISC): "russe", "chinoise", "brasileña".

In French, Spanish, Italian, Portuguese and German a nationality adjective is spelt like the
language's name (CLDR's language names, from babel: "russe", "ruso", "russo", "russisch") and
inflects regularly. The models we have do not tag them (the English one does, as NORP), so they
are matched as whole words from the language names of ISO 639-1 languages, one word of at least
four letters, not a stop word, with their regular feminine and plural endings.
"""

from __future__ import annotations

import re
import unicodedata

from babel import Locale, UnknownLocaleError

from services.enrich.ner.mention import Mention
from services.enrich.ner.wordlists import stop_words

LANGUAGES = frozenset({"fr", "es", "it", "pt", "de"})
_WORD = re.compile(r"\w+")
_ACUTE = {"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u"}


def _unaccent_last(word: str) -> str:
    """Spanish/Portuguese lose the written accent when a suffix is added: catalán, catalana."""
    for index in range(len(word) - 1, -1, -1):
        if word[index] in _ACUTE:
            return word[:index] + _ACUTE[word[index]] + word[index + 1 :]
    return word


def forms(base: str, language: str) -> set[str]:
    """The regular inflected forms of a nationality adjective."""
    found = {base}
    if language == "fr":
        if base.endswith("e"):
            found.add(base + "s")
        else:
            stem = base + "n" if base.endswith(("en", "on")) else base
            found |= {base + "s", stem + "e", stem + "es"}
    elif language in ("es", "pt"):
        if base.endswith("o"):
            found |= {base[:-1] + ending for ending in ("a", "os", "as")}
        elif base.endswith(("e", "a")):
            found.add(base + "s")
        else:
            plain = _unaccent_last(base)
            found |= {plain + "a", plain + "as", plain + "es"}
    elif language == "it":
        if base.endswith("o"):
            found |= {base[:-1] + ending for ending in ("a", "i", "e")}
        elif base.endswith("e"):
            found.add(base[:-1] + "i")
    elif language == "de":
        found |= {base + ending for ending in ("e", "en", "er", "es", "em")}
    return found


class Demonyms:
    def __init__(self, languages: list[str]) -> None:
        self._forms: dict[str, dict[str, str]] = {}
        for language in sorted(LANGUAGES & set(languages)):
            try:
                names = Locale.parse(language).languages
            except (ValueError, UnknownLocaleError):
                continue
            stopped = stop_words(language)
            table: dict[str, str] = {}
            for code, name in names.items():
                base = unicodedata.normalize("NFC", name).lower()
                if len(code) != 2 or not base.isalpha() or len(base) < 4 or base in stopped:
                    continue
                for form in forms(base, language):
                    table.setdefault(form, base)
            self._forms[language] = table

    def find(self, text: str, language: str) -> list[Mention]:
        table = self._forms.get(language)
        if not table:
            return []
        return [
            Mention(match.start(), match.end(), "MISC", normal=table[match.group()])
            for match in _WORD.finditer(text)
            if match.group() in table
        ]
