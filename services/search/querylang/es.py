"""``Node`` -> an Elasticsearch ``bool`` query, from whitelisted fields and clause types only.

User text only ever lands in a ``query`` or ``value`` string: every field name, clause type and
option below is a constant of this module, picked by the node's type and its ``scope`` / ``field``
(themselves whitelisted by the parser).

- Term: ``multi_match`` (best_fields, operator and) over each language's analysed fields and the
  folded ones, as ``/search`` does today: stemming, elision and accent folding keep working.
- Phrase: ``multi_match`` type phrase over the same fields, with ``slop`` for a proximity.
- Prefix: ``multi_match`` type phrase_prefix over the folded fields only (lower-cased and
  accent-folded by Elasticsearch, never stemmed: a prefix of a stem is no prefix of the word),
  at most ``PREFIX_MAX_EXPANSIONS`` words per prefix.
- Keyword fields: ``term`` clauses in filter context (no scoring); names (authors, entities)
  ignore the case of ASCII letters (``case_insensitive``: Elasticsearch folds no other), ids and
  sources match exactly (the ``source`` normalizer lower-cases both sides).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.search.querylang.nodes import (
    And,
    Keyword,
    KeywordField,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    TextScope,
)
from shared.index import ANALYSED_LANGUAGES

PREFIX_MAX_EXPANSIONS = 50

Fields = Mapping[TextScope, tuple[str, ...]]

# Boosts as /search gives them: a match in a title counts more than one in a body.
_TITLES = (*(f"title_{lang}^3" for lang in ANALYSED_LANGUAGES), "title^2")
_BODIES = (*(f"body_{lang}" for lang in ANALYSED_LANGUAGES), "summary", "body")
TEXT_FIELDS: Fields = {"text": (*_TITLES, *_BODIES), "title": _TITLES, "body": _BODIES}
PREFIX_FIELDS: Fields = {
    "text": ("title^2", "summary", "body"),
    "title": ("title",),
    "body": ("summary", "body"),
}
KEYWORD_FIELDS: Mapping[KeywordField, tuple[str, ...]] = {
    "source": ("source",),  # its normalizer lower-cases the value too
    "lang": ("language",),  # the parser lower-cased the code
    "author": ("authors",),
    "entity": ("people", "organisations", "places", "misc"),
    "entity_id": ("entity_ids",),
    "person": ("people",),
    "org": ("organisations",),
    "place": ("places",),
}
_CASE_INSENSITIVE: frozenset[KeywordField] = frozenset(
    {"author", "entity", "person", "org", "place"}
)
CLAUSE_TYPES = frozenset({"bool", "multi_match", "term"})


def to_es(
    node: Node, *, text_fields: Fields = TEXT_FIELDS, prefix_fields: Fields = PREFIX_FIELDS
) -> dict[str, Any]:
    """The ``bool`` query for ``node`` (the field lists are this module's unless given)."""
    builder = _Builder(text_fields, prefix_fields)
    children = node.children if isinstance(node, And) else (node,)
    return builder.conjunction(children)


def _filter_only(node: Node) -> bool:
    """Only keyword leaves below: nothing to score, the whole subtree can filter."""
    if isinstance(node, Keyword):
        return True
    if isinstance(node, Not):
        return _filter_only(node.child)
    if isinstance(node, And | Or):
        return all(_filter_only(child) for child in node.children)
    return False


class _Builder:
    def __init__(self, text_fields: Fields, prefix_fields: Fields) -> None:
        self.text_fields = text_fields
        self.prefix_fields = prefix_fields

    def clause(self, node: Node) -> dict[str, Any]:
        if isinstance(node, Term):
            return self._match(node.text, node.scope, type="best_fields", operator="and")
        if isinstance(node, Phrase):
            options: dict[str, Any] = {} if node.slop is None else {"slop": node.slop}
            return self._match(node.text, node.scope, type="phrase", **options)
        if isinstance(node, Prefix):
            return {
                "multi_match": {
                    "query": node.text,
                    "fields": list(self.prefix_fields[node.scope]),
                    "type": "phrase_prefix",
                    "max_expansions": PREFIX_MAX_EXPANSIONS,
                }
            }
        if isinstance(node, Keyword):
            return _keyword(node)
        if isinstance(node, Not):
            return {"bool": {"must_not": [self.clause(node.child)]}}
        if isinstance(node, And):
            return self.conjunction(node.children)
        return self.disjunction(node.children)

    def conjunction(self, children: tuple[Node, ...]) -> dict[str, Any]:
        """Scored children in ``must``, keyword ones in ``filter``, negated ones in ``must_not``."""
        parts: dict[str, list[dict[str, Any]]] = {"must": [], "filter": [], "must_not": []}
        for child in children:
            if isinstance(child, Not):
                parts["must_not"].append(self.clause(child.child))
            elif _filter_only(child):
                parts["filter"].append(self.clause(child))
            else:
                parts["must"].append(self.clause(child))
        return {"bool": {kind: clauses for kind, clauses in parts.items() if clauses}}

    def disjunction(self, children: tuple[Node, ...]) -> dict[str, Any]:
        should = [
            # A keyword alternative matches without adding to the score.
            {"bool": {"filter": [self.clause(child)]}}
            if _filter_only(child)
            else self.clause(child)
            for child in children
        ]
        return {"bool": {"should": should, "minimum_should_match": 1}}

    def _match(self, text: str, scope: TextScope, **options: Any) -> dict[str, Any]:
        return {"multi_match": {"query": text, "fields": list(self.text_fields[scope]), **options}}


def _keyword(node: Keyword) -> dict[str, Any]:
    value: dict[str, Any] = {"value": node.value}
    if node.field in _CASE_INSENSITIVE:
        value["case_insensitive"] = True
    terms = [{"term": {name: dict(value)}} for name in KEYWORD_FIELDS[node.field]]
    if len(terms) == 1:
        return terms[0]
    return {"bool": {"should": terms, "minimum_should_match": 1}}
