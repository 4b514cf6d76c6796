"""Ingest's exceptions, on the shared tree (``shared.errors``) where they end a command.

IngestError (NewswireError)
├── InvalidInputError       an input cannot become a valid RawArticle (-> dead letter)
│   └── FeedParseError      a feed document cannot be parsed at all (malformed, XML bomb...)
├── FetchError              an HTTP fetch failed (timeout, status, too large, refused address)
│   └── BlockedAddressError the URL resolves to an address we refuse to contact
├── FeedListError           (UsageError) the feed list or a feed command is wrong: exit 2
├── ApiKeyMissingError      (UsageError) `ingest serve` without NEWSWIRE_INGEST_API_KEY: exit 2
├── KafkaUnavailableError   (UnavailableError) no broker answered at start-up: exit 3
└── PublishError            (NotAcknowledgedError) Kafka did not acknowledge a record: exit 3

Invalid inputs and failed fetches never end a command: they are dead-lettered, or counted
against their feed.
"""

from __future__ import annotations

from shared.deadletter import Reason
from shared.errors import NewswireError, NotAcknowledgedError, UnavailableError, UsageError


class IngestError(NewswireError):
    """Base of every ingest error."""


class InvalidInputError(IngestError):
    """``reason`` says why, for machines (a ``Reason``); the message is for humans."""

    def __init__(self, reason: Reason | str, message: str) -> None:
        super().__init__(message)
        # An unknown reason string fails here, where it is written, not in a dead letter.
        self.reason = Reason(reason)


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


class FeedListError(IngestError, UsageError):
    pass


class ApiKeyMissingError(IngestError, UsageError):
    pass


class KafkaUnavailableError(IngestError, UnavailableError):
    pass


class PublishError(IngestError, NotAcknowledgedError):
    pass
