"""The newswire query language: text -> tree -> Elasticsearch ``bool`` query, and its explanation.

Pure (no I/O). Modules, in dependency order: ``nodes`` (the tree), ``errors``
(``QuerySyntaxError``, ``render_caret``) -> ``parser`` (lark grammar, cost limits) -> ``es``
(whitelisted fields and clauses), ``explain``.

    node = parse('"traité de non-prolifération" AND (Iran OR Irak) -Trump')
    body = {"query": to_es(node)}
    explain(node)

Syntax
    word             the word in any text field (stemmed per language, accents and case folded)
    "a phrase"       the words in this order;  "a phrase"~5  with up to 5 words of slack
    pre*             a word starting with "pre" (at least 3 characters before the *)
    a b              both (implicit AND);  a AND b  the same
    a OR b           either
    NOT a, -a        not a;  +a is a
    ( ... )          grouping
    title:x body:x   x in titles / in bodies and summaries; title:(war OR peace) for a group
    source:lemonde.fr  lang:fr  author:"Jane Doe"  person:"Vladimir Putin"  org:OPEC
    place:Paris      exact values (keyword fields); names ignore the case of ASCII letters
    entity:"Vladimir Putin"  entity:geonames:524901  entity:Q7747
                     an entity by canonical name (any kind) or by id

Precedence: NOT binds tightest, then AND (written or implicit), then OR:
``a OR b c`` is ``a OR (b AND c)`` and ``a b OR c`` is ``(a AND b) OR c``; such a mix parses and
``warnings`` points it out. Operators are upper-case (``and``/``or``/``not`` are words);
``\\`` escapes one character (``10\\:30``, ``\\"``); a colon after anything but a field name is
text (``10:30``, ``https://...``). Refused with a position: unknown fields, leading or inner
wildcards, ``?``, fuzzy ``~``, boosts ``^``, ranges, regular expressions, and queries over the
cost limits (``parser.MAX_*``).
"""

from __future__ import annotations

from services.search.querylang.errors import QuerySyntaxError, render_caret
from services.search.querylang.es import CLAUSE_TYPES, PREFIX_MAX_EXPANSIONS, Fields, to_es
from services.search.querylang.explain import explain, warnings
from services.search.querylang.nodes import And, Keyword, Node, Not, Or, Phrase, Prefix, Term
from services.search.querylang.parser import (
    FIELD_NAMES,
    LIMITS,
    MAX_DEPTH,
    MAX_PREFIXES,
    MAX_QUERY_CHARS,
    MAX_SLOP,
    MAX_TERMS,
    MIN_PREFIX_CHARS,
    Limits,
    parse,
)

__all__ = [
    "CLAUSE_TYPES",
    "FIELD_NAMES",
    "LIMITS",
    "MAX_DEPTH",
    "MAX_PREFIXES",
    "MAX_QUERY_CHARS",
    "MAX_SLOP",
    "MAX_TERMS",
    "MIN_PREFIX_CHARS",
    "PREFIX_MAX_EXPANSIONS",
    "And",
    "Fields",
    "Keyword",
    "Limits",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Prefix",
    "QuerySyntaxError",
    "Term",
    "explain",
    "parse",
    "render_caret",
    "to_es",
    "warnings",
]
