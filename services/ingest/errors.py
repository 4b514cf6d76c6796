"""Ingest's exceptions.

IngestError
├── InvalidInputError       an input cannot become a valid RawArticle (-> dead letter)
│   └── FeedParseError      a feed document cannot be parsed at all (malformed, XML bomb...)
├── FetchError              an HTTP fetch failed (timeout, status, too large, refused address)
│   └── BlockedAddressError the URL resolves to an address we refuse to contact
└── PublishError            Kafka did not acknowledge a record
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every ingest error."""


class InvalidInputError(IngestError):
    """``reason`` is a short machine-friendly cause; the message is for humans."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class FeedParseError(InvalidInputError):
    pass


class FetchError(IngestError):
    """``kind`` classifies the failure; ``retry_after_s`` is the server's Retry-After, if any."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after_s = retry_after_s


class BlockedAddressError(FetchError):
    def __init__(self, message: str) -> None:
        super().__init__("blocked-address", message)


class PublishError(IngestError):
    pass
