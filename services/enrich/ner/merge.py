"""The mentions of one text -> its entities, each name once, with its forms, offsets and id.

In order:

1. Spans are cleaned: surrounding quotes, brackets and punctuation go, and so does a French
   elided article (``l'OMS`` -> ``OMS``). ``Name (ABBR)`` found as one span becomes two mentions
   known to be one entity; so do a name and an abbreviation in brackets right after it. A span
   stops at a line break; a leading article ("the European Union", unless the whole is a place:
   "The Hague"), a person's title ("Prince ...": job titles are no part of a name; a title
   with no name after it is dropped) and a lower-case noun before a name ("région
   Hauts-de-France") go; so do an English possessive "'s" and, in English, lower-case words at
   the end ("Pacific island states" -> "Pacific"). What is left with fewer than two letters,
   or is a capitalised common noun alone ("l'État"), is dropped.
2. An honorific at the start of a span or right before it joins it (``M. Barrot`` is the
   surface form, as written) and makes it a person. The merge key is the span without its
   honorific, or the backend's normal form (the Russian nominative) when it gives one.
3. Overlapping spans: the longer one wins.
4. Places: a LOC key the gazetteer knows gets the place's id and its language-independent name
   as canonical name; an ORG or MISC key that is exactly a country or a city of 100,000 people
   or more becomes that LOC (a capital standing for its government is still the place), and so
   does a one-word PER key of that kind with no honorific that is no part of a person's name
   (the small English model calls "Kyiv" a person).
   Mentions of one place merge, whatever their language or case ending.
5. People: a key whose words are a run of the words of exactly one longer person's name (or of
   names all nested in the longest one) merges into it: "Macron", "M. Macron" -> "Emmanuel
   Macron"; "M. Wang" -> "Wang Yi". A one-word key the model gave another label merges too when
   it is that person's surname and no place. Other one-word keys merge into the one longer key
   of the same label that ends with them ("Louvre" -> "musée du Louvre").
6. Abbreviations: an all-capitals key equal to the initials of exactly one longer ORG, MISC or
   LOC key (function words of the language skipped, an all-capitals word kept whole) merges
   into it: "AIEA" -> "Agence internationale de l'énergie atomique", "UNFCCC".
7. Labels the words tell (``_relabel``): an organisation's head noun makes an ORG ("Fondation",
   "Electric", "musée"); an English demonym ("Ukrainian") is MISC; in a full article, a one-word
   "person" never named in full nor with an honorific is the place of that name or else an ORG.
8. Occurrences the model missed: every other whole-word occurrence of a capitalised surface form,
   of a person's surname, or of an honorific followed by that surname, joins its entity.

The canonical name is the place's name for places, otherwise the longest key. The label is the
one most mentions carry (people stay people once merged).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from services.enrich.ner.gazetteer import Place
from services.enrich.ner.mention import Mention
from services.enrich.ner.wordlists import (
    AMBIGUOUS,
    ARTICLES,
    GENERIC,
    HONORIFICS,
    ORGANISATION_WORDS,
    TITLES,
    stop_words,
)
from shared.models import Entity, EntityLabel

_HONORIFIC = "|".join(re.escape(h) for h in sorted(HONORIFICS, key=len, reverse=True))
_HONORIFIC_BEFORE = re.compile(rf"(?:^|(?<=[\s(«\"“]))(?:{_HONORIFIC})\s+$")
_HONORIFIC_AT_START = re.compile(rf"^(?:{_HONORIFIC})\s+")
_APOSTROPHES = "'\u2019"  # straight and typographic
_ELISION = re.compile(rf"^(?:[ldjnsctmLDJNSCTM]|[Qq]u)[{_APOSTROPHES}](?=\w)")
_ELIDED_WORD = re.compile(rf"^\w{{1,2}}[{_APOSTROPHES}]")
# quotes of many typographies, dashes and list punctuation
_TRIM = " \t\r\n\"'«»“”„‟\u2018\u2019\u2039\u203a,;:!?\u2013\u2014·/*"
_BRACKETED = re.compile(r"^(.*\S)\s*\(\s*([^()\s]{2,12})\s*\)$")
_ABBREVIATION = re.compile(r"^[^\W\d_a-z]{2,10}$")  # upper-case letters only (any script)
_PLACE_MIN_POPULATION = 100_000
_FULL_ARTICLE_CHARS = 300
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|ese|ish)$")  # "Ukrainian", "Chinese", "Turkish"
_LOOKBACK = 12  # characters before a span searched for an honorific


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    label: EntityLabel
    key: str
    place: Place | None = None
    titled: bool = False


@dataclass(slots=True)
class _Group:
    spans: list[_Span] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    place: Place | None = None

    def labels(self) -> Counter[EntityLabel]:
        return Counter(span.label for span in self.spans)

    def label(self) -> EntityLabel:
        if any(span.titled for span in self.spans):
            return "PER"
        if len(self.spans) == 1:
            return self.spans[0].label
        votes = self.labels()
        return max(votes, key=lambda label: (votes[label], label == "PER"))

    def longest_key(self) -> str:
        return max(self.keys, key=lambda key: (len(key.split()), len(key), key))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Without surrounding punctuation and quotes, nor a closing bracket never opened."""
    while start < end and text[start] in _TRIM + "()[]{}.-":
        start += 1
    while end > start and text[end - 1] in _TRIM + "([{-":
        end -= 1
    if text[end - 1 : end] in (")", "]") and not any(ch in "([" for ch in text[start:end]):
        end -= 1
    last = text[start:end].rsplit(None, 1)[-1] if end > start else ""
    if last.endswith(".") and len(last) > 5 and "." not in last[:-1]:
        end -= 1  # "SpaceX." ends a sentence; "Corp." and "U.S." keep theirs
    return start, end


def _honorific_before(text: str, start: int) -> int | None:
    """Where an honorific right before ``start`` begins, if there is one."""
    window = max(0, start - _LOOKBACK)
    found = _HONORIFIC_BEFORE.search(text[window:start])
    if found is None or (found.start() == 0 and window > 0 and not text[window - 1].isspace()):
        return None
    return window + found.start()


def _first_line(text: str, start: int, end: int) -> tuple[int, int]:
    """A name does not run over a line break: its first line."""
    newline = text.find("\n", start, end)
    return start, (end if newline == -1 else newline)


def _without_trailing_nouns(text: str, start: int, end: int) -> int:
    """English names are capitalised: a lower-case word at the end is the noun the name
    qualifies ("Pacific island states" -> "Pacific")."""
    while (
        (space := text.rfind(" ", start, end)) != -1
        and text[space + 1 : end].isalpha()
        and text[space + 1 : end].islower()
    ):
        end = space
    return end


def _with_honorific(text: str, start: int, end: int, mention: Mention) -> _Span | None:
    """Rule 2: an honorific at the start of the span or right before it makes a person and
    stays in the surface form; the key is the name without it (or the backend's normal form)."""
    honorific = _HONORIFIC_AT_START.match(text[start:end])
    if honorific:
        key_start, titled = start + honorific.end(), True
    else:
        key_start = start
        titled_start = _honorific_before(text, start)
        titled = titled_start is not None
        if titled_start is not None:
            start = titled_start
    key = " ".join((mention.normal or text[key_start:end]).split())
    if not key:
        return None
    label: EntityLabel = "PER" if titled else mention.label
    return _Span(start, end, label, key, mention.place, titled)


def _scripts_unspaced(key: str) -> bool:
    """Chinese and Japanese names are not split into words by spaces."""
    return any(
        "CJK" in unicodedata.name(ch, "") or "KATAKANA" in unicodedata.name(ch, "") for ch in key
    )


def _words(key: str) -> list[str]:
    return key.casefold().split()


def _is_run(short: list[str], long: list[str]) -> bool:
    size = len(short)
    if not 0 < size < len(long) or short[0] not in long:
        return False
    return size == 1 or any(long[i : i + size] == short for i in range(len(long) - size + 1))


def _longer_forms(
    group: _Group, words: list[str], others: list[_Group], words_of: dict[int, list[str]]
) -> list[_Group]:
    """The groups ``group`` may be a short form of: a person's name with its words in it, or a
    titled one ("M. Tedros") the model labelled else; for one word, a longer name of the same
    label that ends with it ("Louvre" -> "musée du Louvre")."""
    label = group.label()
    titled = any(span.titled for span in group.spans)
    found: list[_Group] = []
    for other in others:
        other_words = words_of[id(other)]
        if not _is_run(words, other_words):
            continue
        other_label = other.label()
        ends_with = group.place is None and other_words[-1] == words[0]
        if other_label == "PER" or (titled and other.place is None):
            if label == "PER" or ends_with:
                found.append(other)
        elif len(words) == 1 and ends_with and other_label == label:
            found.append(other)
    return found


def _sole_longest(candidates: list[_Group], words_of: dict[int, list[str]]) -> _Group | None:
    """The longest candidate, when every other one is a part of it; None when there is none,
    or when two different names share the short form (two people with one surname)."""
    if not candidates:
        return None
    longest = max(candidates, key=lambda g: len(words_of[id(g)]))
    longest_words = words_of[id(longest)]
    if all(c is longest or _is_run(words_of[id(c)], longest_words) for c in candidates):
        return longest
    return None


def _absorb_short_form(target: _Group, group: _Group) -> None:
    """``group`` joins ``target``; a person's name, or one a titled short form names, makes
    every span of it a person."""
    person = target.label() == "PER" or any(span.titled for span in group.spans)
    target.spans.extend(group.spans)
    target.keys |= group.keys
    if person:
        for span in target.spans:
            span.label = "PER"


def _fold(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    ).upper()


class PlaceLookup(Protocol):
    """What the merger asks of the gazetteer: the place a name stands for, if any."""

    def lookup(
        self, surface: str, language: str, countries: Iterable[str] = ()
    ) -> Place | None: ...


class Merger:
    """Per-language word lists are read once; ``merge`` is then a pure function of its input."""

    def __init__(self, gazetteer: PlaceLookup, languages: list[str]) -> None:
        self._gazetteer = gazetteer
        self._stop_words = {lang: stop_words(lang) for lang in languages}

    def merge(self, text: str, mentions: list[Mention], language: str) -> list[Entity]:
        aliases: list[tuple[str, str]] = []
        spans = self._clean(text, mentions, language, aliases)
        groups = self._group(text, spans)
        self._places(groups, language)
        groups = self._merge_places(groups)
        groups = self._merge_short_forms(groups)
        groups = self._merge_abbreviations(groups, aliases, language)
        self._relabel(text, groups, language)
        self._propagate(text, groups)
        return self._entities(text, groups)

    # -- 1-3: spans --------------------------------------------------------------------------------

    def _clean(
        self, text: str, mentions: list[Mention], language: str, aliases: list[tuple[str, str]]
    ) -> list[_Span]:
        spans: list[_Span] = []
        for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
            span = self._trim(text, mention, language)
            if span is None:
                continue
            bracketed = _BRACKETED.match(text[span.start : span.end])
            if bracketed and _ABBREVIATION.match(bracketed.group(2)):
                long_end = span.start + len(bracketed.group(1))
                short_start = text.index(bracketed.group(2), long_end, span.end)
                short_end = short_start + len(bracketed.group(2))
                long_key = " ".join(text[span.start : long_end].split())
                short_key = bracketed.group(2)
                spans.append(_Span(span.start, long_end, span.label, long_key, span.place))
                spans.append(_Span(short_start, short_end, span.label, short_key))
                aliases.append((short_key, long_key))
                continue
            spans.append(span)
        spans = self._without_overlaps(spans)
        for previous, current in itertools.pairwise(spans):
            between = text[previous.end : current.start]
            after = text[current.end : current.end + 1]
            if (
                re.fullmatch(r"\s*\(\s*", between)
                and after == ")"
                and _ABBREVIATION.match(current.key)
            ):
                aliases.append((current.key, previous.key))
        return spans

    def _trim(self, text: str, mention: Mention, language: str) -> _Span | None:
        """One mention -> its cleaned span (rules 1 and 2), or None when no name is left."""
        bounds = self._bounds(text, mention, language)
        if bounds is None:
            return None
        start, end = bounds
        surface = text[start:end]
        if sum(ch.isalpha() for ch in surface) < 2:
            return None
        if surface.casefold() in GENERIC.get(language, frozenset()):
            return None
        return _with_honorific(text, start, end, mention)

    def _bounds(self, text: str, mention: Mention, language: str) -> tuple[int, int] | None:
        """Rule 1: the span less what is no part of the name (None: nothing of a name)."""
        start, end = _first_line(text, mention.start, mention.end)
        start, end = _strip(text, start, end)
        if language == "en" and text[start:end].endswith(("'s", "\u2019s")):
            end -= 2
        if mention.normal is None:  # the normal form covers the whole span: leave it whole
            bounds = self._leading_words(text, start, end, language, mention.label)
            if bounds is None:
                return None
            start, end = bounds
            if language == "en":
                end = _without_trailing_nouns(text, start, end)
        elided = _ELISION.match(text[start:end]) if language in ("fr", "it") else None
        if elided:
            start += elided.end()
        return start, end

    def _leading_words(
        self, text: str, start: int, end: int, language: str, label: EntityLabel
    ) -> tuple[int, int] | None:
        """Drop leading words that are not part of the name: an article ("the European
        Union", unless the whole is a place's name: "The Hague"), a title ("Prince Abdulaziz";
        a title followed by no name is a job, not an entity: None), a common noun in front of a
        name ("région Hauts-de-France", "projet H2Med")."""
        articles = ARTICLES.get(language, frozenset())
        titles = TITLES.get(language, frozenset())
        while True:
            surface = text[start:end]
            first, _space, rest = surface.partition(" ")
            rest = rest.lstrip()
            if not rest:
                return start, end
            folded = first.casefold()
            if folded in articles:
                if self._gazetteer.lookup(surface, language) is not None:
                    return start, end
            elif folded in titles:
                if not rest[0].isupper():
                    return None
                if label != "PER":  # "Prince Abdulaziz", but "Mayor's Office" stays whole
                    return start, end
            elif not (first.islower() and len(first) >= 4 and rest[0].isupper()):
                return start, end
            start = end - len(rest)

    @staticmethod
    def _without_overlaps(spans: list[_Span]) -> list[_Span]:
        kept: list[_Span] = []
        for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
            if all(span.end <= other.start or other.end <= span.start for other in kept):
                kept.append(span)
        return sorted(kept, key=lambda s: s.start)

    # -- 4-6: merging ------------------------------------------------------------------------------

    @staticmethod
    def _group(text: str, spans: list[_Span]) -> list[_Group]:
        """By key; the same surface always joins the same group (the normal form a backend
        gives one surface can vary with its context)."""
        by_key: dict[str, _Group] = {}
        by_surface: dict[str, _Group] = {}
        for span in spans:
            surface = text[span.start : span.end]
            group = by_surface.get(surface) or by_key.setdefault(span.key, _Group())
            by_surface.setdefault(surface, group)
            group.spans.append(span)
            group.keys.add(span.key)
            group.place = group.place or span.place
        return list({id(group): group for group in by_key.values()}.values())

    def _places(self, groups: list[_Group], language: str) -> None:
        countries = {
            g.place.country for g in groups if g.place is not None and g.place.kind == "country"
        }
        person_words = [_words(g.longest_key()) for g in groups if g.label() == "PER"]
        for group in groups:
            if group.place is not None:
                continue
            label = group.label()
            keys = sorted(group.keys, key=len, reverse=True)
            place = next(
                (p for p in (self._gazetteer.lookup(k, language, countries) for k in keys) if p),
                None,
            )
            if place is None:
                continue
            if label == "LOC" or (
                self._big_place(place)
                and (label != "PER" or self._place_not_person(group, person_words, language))
            ):
                group.place = place
                for span in group.spans:
                    span.label = "LOC"

    @staticmethod
    def _big_place(place: Place) -> bool:
        return place.kind in ("country", "continent") or (
            place.kind == "city" and place.population >= _PLACE_MIN_POPULATION
        )

    def _place_not_person(
        self, group: _Group, person_words: list[list[str]], language: str
    ) -> bool:
        """A one-word "person" that is a big place's name, with no honorific, not part of a
        person's name, and not a given name or word the gazetteer treats as ambiguous: the
        small English model calls "Kyiv" and "Manchester" people."""
        key = group.longest_key()
        words = _words(key)
        return (
            len(words) == 1
            and not any(span.titled for span in group.spans)
            and not any(_is_run(words, other) for other in person_words)
            and key not in AMBIGUOUS.get(language, frozenset())
            and key.casefold() not in self._stop_words.get(language, frozenset())
        )

    @staticmethod
    def _merge_places(groups: list[_Group]) -> list[_Group]:
        by_place: dict[str, _Group] = {}
        merged: list[_Group] = []
        for group in groups:
            if group.place is None:
                merged.append(group)
                continue
            for span in group.spans:
                span.label = "LOC"
            target = by_place.get(group.place.id)
            if target is None:
                by_place[group.place.id] = group
                merged.append(group)
            else:
                target.spans.extend(group.spans)
                target.keys |= group.keys
        return merged

    @staticmethod
    def _merge_short_forms(groups: list[_Group]) -> list[_Group]:
        """Rule 5: people by any run of their words; other names by their last word, same
        label. Shortest first, so that a short form joins the one name it is a part of."""
        absorbed: set[int] = set()
        # A group's longest key does not change here: what it absorbs is a run of its words.
        words_of = {id(g): _words(g.longest_key()) for g in groups}
        containing: dict[str, list[_Group]] = defaultdict(list)  # word -> groups, in order
        for g in groups:
            for word in dict.fromkeys(words_of[id(g)]):
                containing[word].append(g)
        for group in sorted(groups, key=lambda g: len(words_of[id(g)])):
            words = words_of[id(group)]
            others = [
                other
                for other in (containing[words[0]] if words else ())
                if other is not group and id(other) not in absorbed
            ]
            candidates = _longer_forms(group, words, others, words_of)
            target = _sole_longest(candidates, words_of)
            if target is not None:
                _absorb_short_form(target, group)
                absorbed.add(id(group))
        return [g for g in groups if id(g) not in absorbed]

    def _initials(self, key: str, language: str) -> str:
        common = self._stop_words.get(language, frozenset())
        letters: list[str] = []
        for word in re.split(r"[\s\-]+", key):
            word = _ELIDED_WORD.sub("", word) if any(a in word for a in _APOSTROPHES) else word
            if not word or word.casefold() in common:
                continue
            letters.append(word if word.isupper() and len(word) > 1 else word[0])
        return _fold("".join(letters))

    def _merge_abbreviations(
        self, groups: list[_Group], aliases: list[tuple[str, str]], language: str
    ) -> list[_Group]:
        by_key = {key: group for group in groups for key in group.keys}
        pairs: list[tuple[_Group, _Group]] = []
        for short_key, long_key in aliases:
            short, long = by_key.get(short_key), by_key.get(long_key)
            if short is not None and long is not None and short is not long:
                pairs.append((short, long))
        initials: dict[int, set[str]] = {}  # per group, computed once if needed
        for group in groups:
            keys = [key for key in group.keys if _ABBREVIATION.match(key)]
            if len(keys) != len(group.keys) or group.place is not None:
                continue
            if not initials:
                initials = {
                    id(g): {self._initials(key, language) for key in g.keys}
                    for g in groups
                    if g.label() != "PER"
                }
            folded = _fold(keys[0])
            candidates = [
                other
                for other in groups
                if other is not group and folded in initials.get(id(other), ())
            ]
            if len(candidates) == 1:
                pairs.append((group, candidates[0]))
        absorbed: set[int] = set()
        for short, long in pairs:
            if id(short) in absorbed or id(long) in absorbed:
                continue
            long.spans.extend(short.spans)
            long.keys |= short.keys
            for span in short.spans:
                span.label = long.label()
            absorbed.add(id(short))
        return [g for g in groups if id(g) not in absorbed]

    # -- 7: labels ---------------------------------------------------------------------------------

    def _relabel(self, text: str, groups: list[_Group], language: str) -> None:
        """Label fixes the head words tell: an organisation's head noun makes an ORG
        ("Fondation ...", "... Electric", "musée du Louvre"); an English demonym is MISC.
        In a full article (a body after the title) a one-word "person" never named in full nor
        with an honorific is an organisation, or the place of that name: news introduce people
        by their full name, while the small models take unknown one-word names ("Rosatom",
        "Gavi", "Enerhodar") for people."""
        head_nouns = ORGANISATION_WORDS.get(language, frozenset())
        full_article = len(text) >= _FULL_ARTICLE_CHARS and "\n" in text.strip()
        for group in groups:
            if group.place is not None or any(span.titled for span in group.spans):
                continue
            label = group.label()
            if (
                full_article
                and label == "PER"
                and all(len(key.split()) == 1 for key in group.keys)
                and not any(_scripts_unspaced(key) for key in group.keys)
            ):
                place = self._gazetteer.lookup(next(iter(group.keys)), language)
                group.place = place
                for span in group.spans:
                    span.label = "ORG" if place is None else "LOC"
                continue
            words = {
                w.strip(_APOSTROPHES)
                for key in group.keys
                for w in re.split(r"[\s\-]+", key.casefold())
            }
            new_label: EntityLabel | None = None
            if label != "ORG" and words & head_nouns:
                new_label = "ORG"
            elif (
                language == "en"
                and label in ("LOC", "ORG")
                and len(group.keys) == 1
                and _DEMONYM.match(next(iter(group.keys)))
            ):
                new_label = "MISC"
            if new_label is not None:
                for span in group.spans:
                    span.label = new_label

    # -- 8: occurrences the model missed -----------------------------------------------------------

    @staticmethod
    def _propagate(text: str, groups: list[_Group]) -> None:
        taken = bytearray(len(text))  # 1 where a span already covers the character
        for group in groups:
            for span in group.spans:
                taken[span.start : span.end] = b"\x01" * (span.end - span.start)
        wanted: list[tuple[str, _Group, bool]] = []
        for group in groups:
            surfaces = {text[span.start : span.end] for span in group.spans}
            wanted.extend(
                (surface, group, False)
                for surface in surfaces
                if any(ch.isupper() for ch in surface) and len(surface) >= 3
            )
            if group.label() == "PER" and group.place is None:
                surname = group.longest_key().split()[-1]
                if len(surname) >= 3 and surname[0].isupper() and len(group.keys) >= 1:
                    wanted.append((surname, group, True))
        for surface, group, is_surname in sorted(wanted, key=lambda w: -len(w[0])):
            for found in re.finditer(re.escape(surface), text):
                start, end = found.start(), found.end()
                if (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-")) or (
                    end < len(text) and (text[end].isalnum() or text[end] == "-")
                ):
                    continue
                if taken.find(1, start, end) != -1:
                    continue
                titled = False
                if is_surname:
                    titled_start = _honorific_before(text, start)
                    if titled_start is not None:
                        start, titled = titled_start, True
                key = group.longest_key() if is_surname else " ".join(surface.split())
                label = group.label()
                group.spans.append(_Span(start, end, label, key, group.place, titled))
                taken[start:end] = b"\x01" * (end - start)

    # -- entities ----------------------------------------------------------------------------------

    @staticmethod
    def _entities(text: str, groups: list[_Group]) -> list[Entity]:
        entities: list[tuple[int, Entity]] = []
        for group in groups:
            spans = sorted(group.spans, key=lambda s: s.start)
            surfaces = list(dict.fromkeys(text[s.start : s.end] for s in spans))
            canonical = group.place.name if group.place is not None else group.longest_key()
            entity = Entity(
                canonical=canonical,
                label=group.label(),
                id=group.place.id if group.place is not None else None,
                surface_forms=surfaces,
                count=len(spans),
                offsets=[(s.start, s.end) for s in spans],
            )
            entities.append((spans[0].start, entity))
        return [entity for _start, entity in sorted(entities, key=lambda item: item[0])]
