"""Search's exceptions (exit codes from ``shared.errors``).

SearchError (NewswireError)
├── InvalidQueryError (UsageError)          a parameter cannot make a valid search (bad
│                                           cursor, empty date range...): HTTP 422, exit 2
├── ArticleNotFoundError                    no article has this id under the read alias:
│                                           HTTP 404
└── BackendUnavailableError (UnavailableError)
                                            Elasticsearch did not answer (connection,
                                            timeout, 5xx, no index): HTTP 503, exit 3
"""

from __future__ import annotations

from shared.errors import NewswireError, UnavailableError, UsageError


class SearchError(NewswireError):
    """Base of every search error."""


class InvalidQueryError(SearchError, UsageError):
    """``field`` names the offending parameter (as the API spells it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ArticleNotFoundError(SearchError):
    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id {article_id!r}")
        self.article_id = article_id


class BackendUnavailableError(SearchError, UnavailableError):
    pass
