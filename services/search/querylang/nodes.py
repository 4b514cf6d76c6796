"""The parsed query: a small tree of frozen dataclasses, built only by ``parser.parse``.

Leaves carry the text exactly as typed (escapes resolved, accents and case untouched: analysis is
Elasticsearch's job) and ``pos``, their 0-based offset in the query, which takes no part in
equality so that trees compare by meaning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

# Where a text leaf is searched: every text field, the titles only, or the bodies and summaries.
TextScope = Literal["text", "title", "body"]
# Keyword leaves. "entity" is a canonical name (any label), "entity_id" a cross-language id such as
# geonames:524901; the parser decides which one an ``entity:`` value is.
KeywordField = Literal["source", "lang", "author", "entity", "entity_id", "person", "org", "place"]


@dataclass(frozen=True, slots=True)
class Term:
    """One word (or what the analysers split it into, all required)."""

    text: str
    scope: TextScope = "text"
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in this order; ``slop`` lets them stand that many positions apart."""

    text: str
    scope: TextScope = "text"
    slop: int | None = None
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Prefix:
    """A word starting with ``text`` (the trailing ``*`` removed)."""

    text: str
    scope: TextScope = "text"
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Keyword:
    """An exact value of a keyword field (source, language, author, entity...)."""

    field: KeywordField
    value: str
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    """Every child matches. ``parenthesised``: written in parentheses (explanations use it)."""

    children: tuple[Node, ...]
    parenthesised: bool = dataclasses.field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    """At least one child matches."""

    children: tuple[Node, ...]
    parenthesised: bool = dataclasses.field(default=False, compare=False)


Leaf = Term | Phrase | Prefix | Keyword
Node = Term | Phrase | Prefix | Keyword | Not | And | Or
