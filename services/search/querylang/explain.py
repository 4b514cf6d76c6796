"""How a query was understood, in words, every grouping made explicit with parentheses.

    explain(parse('title:war -lang:fr'))
    -> '(title contains "war") AND NOT (language is "fr")'

``warnings`` lists what may not be what the user meant although it parses (AND and OR mixed
without parentheses); ``explain`` appends them as ``Note:`` lines.
"""

from __future__ import annotations

import json

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

_SCOPES: dict[TextScope, str] = {"text": "text", "title": "title", "body": "body"}
_KEYWORDS: dict[KeywordField, str] = {
    "source": "source",
    "lang": "language",
    "author": "author",
    "entity": "entity",
    "entity_id": "entity id",
    "person": "person",
    "org": "organisation",
    "place": "place",
}
MIXED_AND_OR = (
    "AND binds tighter than OR (adjacent terms are AND-ed): the query was read as shown, "
    "each AND group in parentheses; add parentheses to say so explicitly"
)


def explain(node: Node) -> str:
    """The reading of ``node``, then one ``Note:`` line per warning."""
    notes = "".join(f"\nNote: {warning}" for warning in warnings(node))
    return _reading(node) + notes


def warnings(node: Node) -> list[str]:
    """Readings that parse but may surprise (today: AND and OR mixed without parentheses)."""
    return [MIXED_AND_OR] if _mixed(node) else []


def _mixed(node: Node) -> bool:
    if isinstance(node, Not):
        return _mixed(node.child)
    if isinstance(node, Or):
        if any(isinstance(c, And) and not c.parenthesised for c in node.children):
            return True
        return any(_mixed(c) for c in node.children)
    if isinstance(node, And):
        return any(_mixed(c) for c in node.children)
    return False


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _leaf(node: Term | Phrase | Prefix | Keyword) -> str:
    if isinstance(node, Keyword):
        return f"({_KEYWORDS[node.field]} is {_quoted(node.value)})"
    where = _SCOPES[node.scope]
    if isinstance(node, Term):
        return f"({where} contains {_quoted(node.text)})"
    if isinstance(node, Prefix):
        return f"({where} contains a word starting with {_quoted(node.text)})"
    if node.slop is None:
        return f"({where} contains the phrase {_quoted(node.text)})"
    return (
        f"({where} contains the phrase {_quoted(node.text)} with up to {node.slop} words of slack)"
    )


def _reading(node: Node) -> str:
    if isinstance(node, Not):
        return f"NOT {_operand(node.child)}"
    if isinstance(node, And):
        return " AND ".join(_operand(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(_operand(c) for c in node.children)
    return _leaf(node)


def _operand(node: Node) -> str:
    """A child as it reads inside its parent: combinations in parentheses, leaves already are."""
    if isinstance(node, And | Or):
        return f"({_reading(node)})"
    return _reading(node)
