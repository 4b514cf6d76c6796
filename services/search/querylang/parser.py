"""Query text -> ``Node``, with a lark LALR(1) grammar and the cost limits.

The grammar states the precedence (NOT, then AND, explicit or implicit, then OR); the lexer is
lark's contextual one, so a colon only makes a field where a field may stand (``entity:`` takes
``geonames:524901`` whole) and ``~N`` is a proximity only right after a phrase. Lark's LALR
parser keeps its own stack (no recursion), and the parse is driven token by token so that the
limits stop a hostile query at the first token over them, before any tree is built.

Leaves are checked as they are built: characters of another syntax (``?`` ``~`` ``^`` ``[ ]``
``{ }`` a leading ``/`` or ``!``) are errors with their position rather than silently searched
as text; escape them with ``\\`` or quote them to search them literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from services.search.querylang.errors import QuerySyntaxError
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

# Cost limits. A query over one of them is refused with the position of the first token past it.
MAX_QUERY_CHARS = 4_000  # the whole query, in characters (long queries come by POST)
MAX_TERMS = 64  # words, each word of a phrase and each field value counting once
MAX_DEPTH = 16  # parentheses open at once
MAX_PREFIXES = 8  # prefix terms (word*)
MIN_PREFIX_CHARS = 3  # characters before the "*" of a prefix
MAX_SLOP = 20  # N in "a phrase"~N

TEXT_SCOPES: dict[str, TextScope] = {"title": "title", "body": "body"}
KEYWORD_FIELDS: dict[str, KeywordField] = {
    "source": "source",
    "lang": "lang",
    "author": "author",
    "entity": "entity",
    "person": "person",
    "org": "org",
    "place": "place",
}
FIELD_NAMES = (*TEXT_SCOPES, *KEYWORD_FIELDS)

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr ((OR | PIPE) and_expr)*
?and_expr: unary (AND? unary)*
?unary: NOT atom -> negated
      | MINUS atom -> negated
      | PLUS atom -> required
      | atom
?atom: term | phrase | group | fielded
term: TERM
phrase: PHRASE SLOP?
group: LPAR or_expr RPAR
fielded: FIELD (term | phrase | group)

AND: "AND"
OR: "OR"
# simple_query_string's "a | b", as /search took it before: a lone | is OR.
PIPE.2: /\|(?=[\s(")]|$)/
NOT: "NOT"
LPAR: "("
RPAR: ")"
FIELD.3: /[A-Za-z_][A-Za-z0-9_]*:(?=[^\s\/:)])/
SLOP.3: /~[0-9]+/
MINUS.2: /-(?=[^\s)])/
PLUS.2: /\+(?=[^\s)])/
PHRASE: /"(?:[^"\\]|\\.)*"/s
TERM: /(?:[^\s()"\\+\-]|\\.)(?:[^\s()"\\]|\\.)*/

%ignore /\s+/
"""

# Characters of other query syntaxes: refused in bare terms (escaped or quoted they are text).
_RESERVED = {
    "?": "'?' is not a wildcard here (only a trailing * is)",
    "~": "'~N' is only a proximity, after a phrase (\"a b\"~5); fuzzy terms are not supported",
    "^": "boosts (^) are not supported",
    "[": "ranges ([a TO b]) are not supported",
    "]": "ranges ([a TO b]) are not supported",
    "{": "ranges ({a TO b}) are not supported",
    "}": "ranges ({a TO b}) are not supported",
}
_RESERVED_FIRST = {
    "/": "regular expressions (/.../) are not supported",
    "!": "'!' is not an operator here: use NOT or -word",
    "*": "a term cannot start with * (only a trailing * is supported: word*)",
}
_SPECIAL = frozenset({*_RESERVED, "*", "\\", ":"})
_SPELLED = {"&&": "AND", "||": "OR"}
_QUOTE_HINT = "; escape it with \\ or put the text in quotes to search it literally"

# What each terminal is, in words, in the order errors list them.
_WORDS = {
    "RPAR": "a closing parenthesis",
    "TERM": "a term",
    "PHRASE": "a phrase",
    "FIELD": "a field",
    "LPAR": "an opening parenthesis",
    "NOT": "NOT",
    "MINUS": "-",
    "PLUS": "+",
    "AND": "AND",
    "OR": "OR",
    "PIPE": "|",
    "SLOP": "a proximity (~N)",
    "$END": "the end of the query",
}
OPERAND = ("a term", "a phrase", "a field", "an opening parenthesis")
_KEYWORDS = frozenset({"AND", "OR", "NOT"})
_OPERATORS = frozenset({"AND", "OR", "PIPE", "NOT", "MINUS", "PLUS", "FIELD"})


@dataclass(frozen=True, slots=True)
class Limits:
    """The cost limits one parse applies (the module constants unless a caller lowers them)."""

    max_chars: int = MAX_QUERY_CHARS
    max_terms: int = MAX_TERMS
    max_depth: int = MAX_DEPTH
    max_prefixes: int = MAX_PREFIXES
    min_prefix_chars: int = MIN_PREFIX_CHARS
    max_slop: int = MAX_SLOP


LIMITS = Limits()


def parse(text: str, *, limits: Limits = LIMITS) -> Node:
    """The query as a tree; ``QuerySyntaxError`` (with position and expectations) otherwise."""
    if len(text) > limits.max_chars:
        raise QuerySyntaxError(
            f"the query is over {limits.max_chars} characters", position=limits.max_chars
        )
    if not text.strip():
        raise QuerySyntaxError("the query is empty", position=len(text), expected=OPERAND)
    interactive = _lark().parse_interactive(text)
    budget = _Budget(limits)
    try:
        for token in interactive.iter_parse():
            if token.type == "TERM" and token.value in _KEYWORDS:
                # The contextual lexer reads a keyword as a word where no keyword may stand;
                # upper-case AND/OR/NOT are operators everywhere: the parser then says so.
                token.type = token.value
            budget.take(token)
        end = Token("$END", "", start_pos=len(text))
        node: Node = interactive.feed_token(end)
    except UnexpectedToken as exc:
        raise _unexpected(text, exc.token, exc.expected, budget) from None
    except UnexpectedCharacters as exc:
        raise _bad_character(text, exc.pos_in_stream or 0) from None
    return node


@cache
def _lark() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", lexer="contextual", transformer=_Builder())


@dataclass(slots=True)
class _Budget:
    """Counts what the query costs, token by token, and stops at the first token over a limit."""

    limits: Limits
    terms: int = 0
    prefixes: int = 0
    open_at: list[int] = field(default_factory=list)
    last: Token | None = None  # the last token taken...
    previous: Token | None = None  # ... and the one before it

    def take(self, token: Token) -> None:
        self.previous, self.last = self.last, token
        kind = token.type
        if kind == "LPAR":
            self.open_at.append(_at(token))
            if len(self.open_at) > self.limits.max_depth:
                self._over(token, f"parentheses nest over {self.limits.max_depth} levels deep")
        elif kind == "RPAR" and self.open_at:
            self.open_at.pop()
        elif kind == "RPAR" and (self.previous is None or self.previous.type not in _OPERATORS):
            # (after an operator, the parser's "must be followed by" says more)
            raise QuerySyntaxError(
                "this closing parenthesis has no opening one", position=_at(token)
            )
        elif kind == "TERM":
            self._words(token, 1)
            if _is_prefix(token.value):
                self._prefix(token)
        elif kind == "PHRASE":
            self._words(token, max(1, len(token.value[1:-1].split())))
        elif kind == "SLOP" and (
            len(token.value) > 4 or int(token.value[1:]) > self.limits.max_slop
        ):
            self._over(token, f"a proximity can be at most ~{self.limits.max_slop}")

    def before(self, token: Token) -> Token | None:
        """The token that came before ``token`` (taken already, or refused before it was)."""
        return self.previous if token is self.last else self.last

    def _words(self, token: Token, count: int) -> None:
        self.terms += count
        if self.terms > self.limits.max_terms:
            self._over(token, f"the query has over {self.limits.max_terms} terms")

    def _prefix(self, token: Token) -> None:
        self.prefixes += 1
        if self.prefixes > self.limits.max_prefixes:
            self._over(token, f"the query has over {self.limits.max_prefixes} prefix terms (word*)")
        if _unescaped_length(token.value[:-1]) < self.limits.min_prefix_chars:
            self._over(
                token,
                f"a prefix needs at least {self.limits.min_prefix_chars} characters before the *",
            )

    @staticmethod
    def _over(token: Token, message: str) -> None:
        raise QuerySyntaxError(message, position=_at(token))


def _unexpected(text: str, token: Token, expected: set[str], budget: _Budget) -> QuerySyntaxError:
    words = [word for kind, word in _WORDS.items() if kind in expected]
    listed = _listing([w for w in words if w not in ("-", "+")])
    after = budget.before(token)
    if token.type == "$END":
        if budget.open_at and "a closing parenthesis" in words:
            message = f"the parenthesis at position {budget.open_at[-1]} is never closed"
        elif after is not None and after.type in _OPERATORS:
            message = f"'{after.value}' must be followed by {listed}"
        else:
            message = f"the query ends too early: expected {listed}"
        return QuerySyntaxError(message, position=len(text), expected=words)
    if after is not None and after.type in _OPERATORS:
        message = f"'{after.value}' must be followed by {listed}, not {_shown(token)}"
    else:
        message = f"unexpected {_shown(token)}: expected {listed}"
    return QuerySyntaxError(message, position=_at(token), expected=words)


def _bad_character(text: str, position: int) -> QuerySyntaxError:
    char = text[position]
    if char == '"':
        return QuerySyntaxError(
            f"the phrase opened at position {position} is never closed",
            position=len(text),
            expected=['a closing quote (")'],
        )
    if char == "\\":
        return QuerySyntaxError(
            "a backslash must be followed by the character it escapes",
            position=position + 1,
            expected=["a character to escape"],
        )
    if char in "-+":
        return QuerySyntaxError(
            f"'{char}' must be written right before what it applies to "
            f'({char}word, {char}"a phrase", {char}(a OR b)); to exclude, NOT also works',
            position=position + 1,
            expected=list(OPERAND),
        )
    return QuerySyntaxError(f"unexpected character {char!r}", position=position)


def _at(token: Token) -> int:
    return token.start_pos or 0


def _shown(token: Token) -> str:
    if token.type in ("AND", "OR", "PIPE", "NOT", "LPAR", "RPAR"):
        return f"'{token.value}'"
    return f"{_WORDS.get(token.type, 'text')} {token.value!r}"


def _listing(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words) or "something else"
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _is_prefix(raw: str) -> bool:
    """A trailing ``*`` that is not escaped (an even run of backslashes before it)."""
    if not raw.endswith("*"):
        return False
    backslashes = len(raw) - 1 - len(raw[:-1].rstrip("\\"))
    return backslashes % 2 == 0


def _unescaped_length(raw: str) -> int:
    length = index = 0
    while index < len(raw):
        index += 2 if raw[index] == "\\" else 1
        length += 1
    return length


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    index = 0
    while index < len(raw):
        if raw[index] == "\\":
            index += 1
        out.append(raw[index])
        index += 1
    return "".join(out)


def _check_term(raw: str, position: int) -> None:
    """Refuse, with its position, the first character of another query syntax."""
    if raw[0] in _RESERVED_FIRST:
        raise QuerySyntaxError(_RESERVED_FIRST[raw[0]] + _QUOTE_HINT, position=position)
    if _SPECIAL.isdisjoint(raw):
        return  # the common case, without a walk through the characters
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            index += 2
            continue
        if char in _RESERVED:
            raise QuerySyntaxError(_RESERVED[char] + _QUOTE_HINT, position=position + index)
        if char == "*" and index != len(raw) - 1:
            raise QuerySyntaxError(
                "only a trailing * is supported (word*)" + _QUOTE_HINT, position=position + index
            )
        index += 1
    name = raw[:-1].lower()
    if raw.endswith(":") and name in FIELD_NAMES:
        raise QuerySyntaxError(
            f"write the value right after '{raw}' (no space): {name}:value",
            position=position + len(raw),
            expected=["a term", "a phrase", "an opening parenthesis"],
        )


def _has_word(text: str, what: str, position: int) -> None:
    if any(char.isalnum() for char in text):
        return
    if text in _SPELLED:
        message = f"'{text}' is not an operator here: use {_SPELLED[text]}"
    else:
        message = f"{what} {text!r} has no letter or digit, so it cannot match anything"
    raise QuerySyntaxError(message, position=position)


class _Builder(Transformer[Token, Node]):
    """Lark's callbacks, run as each rule is reduced: they build the nodes bottom-up.

    Each callback gets its rule's children, tokens and nodes in the order the grammar fixes.
    """

    def term(self, children: list[Token]) -> Term | Prefix:
        (token,) = children
        raw: str = token.value
        _check_term(raw, _at(token))
        if _is_prefix(raw):
            stem = _unescape(raw[:-1])
            _has_word(stem, "the prefix", _at(token))
            return Prefix(stem, pos=_at(token))
        text = _unescape(raw)
        _has_word(text, "the term", _at(token))
        return Term(text, pos=_at(token))

    def phrase(self, children: list[Token]) -> Phrase:
        token = children[0]
        text = _unescape(token.value[1:-1])
        _has_word(text, "the phrase", _at(token))
        slop = int(children[1].value[1:]) if len(children) > 1 else None
        return Phrase(text, slop=slop, pos=_at(token))

    def negated(self, children: list[Any]) -> Not:
        operator: Token = children[0]
        operand: Node = children[1]
        return Not(operand, pos=_at(operator))

    def required(self, children: list[Any]) -> Node:
        # Every term is required already: "+word" is "word".
        operand: Node = children[1]
        return operand

    def and_expr(self, children: list[Token | Node]) -> And:
        return And(tuple(c for c in children if not isinstance(c, Token)))

    def or_expr(self, children: list[Token | Node]) -> Or:
        return Or(tuple(c for c in children if not isinstance(c, Token)))

    def group(self, children: list[Any]) -> Node:
        inner: Node = children[1]
        if isinstance(inner, And | Or):
            return replace(inner, parenthesised=True)
        return inner

    def fielded(self, children: list[Any]) -> Node:
        name_token: Token = children[0]
        value: Node = children[1]
        name = name_token.value[:-1].lower()
        if name not in FIELD_NAMES:
            raise QuerySyntaxError(
                f"unknown field '{name_token.value}' (fields: {', '.join(FIELD_NAMES)}); to "
                f"search the text, escape the colon or quote it: {name_token.value[:-1]}\\:...",
                position=_at(name_token),
                expected=[f"{known}:" for known in FIELD_NAMES],
            )
        node = _in_field(value, name, name_token.value)
        if isinstance(node, Term | Phrase | Prefix | Keyword):
            # A fielded leaf starts at its field name (where a nested-field error points).
            return replace(node, pos=_at(name_token))
        return node


def _in_field(node: Node, name: str, written: str) -> Node:
    """``node`` with ``name`` applied to each of its leaves (a group's depth is bounded)."""
    if isinstance(node, And | Or):
        return replace(node, children=tuple(_in_field(c, name, written) for c in node.children))
    if isinstance(node, Not):
        return replace(node, child=_in_field(node.child, name, written))
    if isinstance(node, Keyword) or node.scope != "text":
        raise QuerySyntaxError(
            f"a field cannot be used inside {written}(...)",
            position=node.pos,
            expected=["a term", "a phrase"],
        )
    if name in TEXT_SCOPES:
        return replace(node, scope=TEXT_SCOPES[name])
    if isinstance(node, Prefix):
        raise QuerySyntaxError(
            f"{written} takes exact values: a prefix (word*) is only for text", position=node.pos
        )
    if isinstance(node, Phrase) and node.slop is not None:
        raise QuerySyntaxError(
            f"{written} takes exact values: a proximity (~N) is only for text", position=node.pos
        )
    return _keyword(KEYWORD_FIELDS[name], node.text, node.pos)


def _keyword(field_name: KeywordField, value: str, position: int) -> Keyword:
    if field_name == "lang":
        code = value.lower()
        if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 3):
            raise QuerySyntaxError(
                f"lang: takes a language code such as fr or en, not {value!r}", position=position
            )
        return Keyword("lang", code, pos=position)
    if field_name == "entity" and looks_like_entity_id(value):
        return Keyword("entity_id", value, pos=position)
    return Keyword(field_name, value, pos=position)


def looks_like_entity_id(value: str) -> bool:
    """``scheme:id`` (geonames:524901, wikidata:Q7747) or a bare Wikidata id (Q7747)."""
    scheme, colon, rest = value.partition(":")
    if colon:
        return scheme.isascii() and scheme.isalpha() and bool(rest) and " " not in rest
    return len(value) > 1 and value[0] == "Q" and value[1:].isascii() and value[1:].isdigit()
