"""Search's exceptions.

SearchError
├── InvalidQueryError       a parameter cannot make a valid search (bad cursor, empty date
│                           range...): HTTP 422, CLI exit 2
├── ArticleNotFoundError    no article has this id under the read alias: HTTP 404
└── BackendUnavailableError Elasticsearch did not answer (connection, timeout, 5xx):
                            HTTP 503, CLI exit 1
"""

from __future__ import annotations


class SearchError(Exception):
    """Base of every search error."""


class InvalidQueryError(SearchError):
    """``field`` names the offending parameter (as the API spells it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ArticleNotFoundError(SearchError):
    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id {article_id!r}")
        self.article_id = article_id


class BackendUnavailableError(SearchError):
    pass
