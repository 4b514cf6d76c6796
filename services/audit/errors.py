"""The operations commands' exceptions (``shared.errors`` decides their exit codes).

GroupActiveError (CheckFailedError)       replay: the group still has live members (exit 1)
TopicMissingError (UsageError)            replay: no such topic in this namespace (exit 2)
RepublishError (NotAcknowledgedError)     Kafka did not take some re-published payloads (exit 3)

``UNREACHABLE``: the client libraries' errors that mean Kafka or Elasticsearch could not be
reached, or refused: a command they end exits 3 (``ExitCode.UNAVAILABLE``).
"""

from __future__ import annotations

from elastic_transport import TransportError
from kafka.errors import KafkaError

from shared.errors import CheckFailedError, NotAcknowledgedError, UsageError

UNREACHABLE: tuple[type[Exception], ...] = (KafkaError, TransportError)


class GroupActiveError(CheckFailedError):
    pass


class TopicMissingError(UsageError):
    pass


class RepublishError(NotAcknowledgedError):
    """Kafka did not acknowledge some re-published payloads."""
