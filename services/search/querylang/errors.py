"""``QuerySyntaxError``: where a query goes wrong and what could come there; ``render_caret``.

SearchError (services.search.errors)
└── InvalidQueryError            field "q": HTTP 422, CLI exit 2
    └── QuerySyntaxError         position (0-based character offset), expected (in words)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from services.search.errors import InvalidQueryError


class QuerySyntaxError(InvalidQueryError):
    """The query cannot be parsed, or it exceeds a cost limit.

    ``position`` is a 0-based offset into the query (``len(query)`` when something is missing at
    the end); ``expected`` lists, in words, what could stand there (empty when nothing would
    help, e.g. a query over the length limit).
    """

    def __init__(self, message: str, *, position: int, expected: Sequence[str] = ()) -> None:
        super().__init__("q", message)
        self.message = message
        self.position = position
        self.expected = list(expected)


def _width(text: str) -> int:
    """Terminal columns: combining marks take none, wide (CJK) characters two."""
    columns = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        columns += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return columns


def _printable(text: str) -> str:
    # A newline or tab would break the caret's alignment; one space per character keeps it.
    return "".join(" " if not char.isprintable() else char for char in text)


def render_caret(query: str, error: QuerySyntaxError, *, width: int = 72) -> str:
    """Two lines: the query (a window of ``width`` characters around the error when it is long)
    and a caret under ``error.position``."""
    line = _printable(query)
    position = min(max(error.position, 0), len(line))
    start = max(0, min(position - width // 2, len(line) - width))
    end = min(len(line), start + width)
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(line) else ""
    caret = " " * _width(lead + line[start:position]) + "^"
    return f"{lead}{line[start:end]}{tail}\n{caret}"
