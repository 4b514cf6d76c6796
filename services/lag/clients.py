"""The Kafka clients of the lag monitor, opened together and closed together.

- ``admin``: committed offsets, group members, topic metadata;
- ``reader``: a consumer without a group for log-end offsets and record timestamps;
- ``commits``: a consumer without a group tailing ``__consumer_offsets`` (None when disabled).

Opening fails fast (``connect_timeout_s``) with ``KafkaUnavailableError`` when no broker answers.
A plain TCP connection is tried first (``shared.kafka.reachable``): kafka-python 3.0 leaves a
running IO thread and an open socket behind each client whose bootstrap fails, which an exporter
retrying every few seconds through a Kafka outage would pile up. The admin client is opened
after the reader, once a broker is known to answer, because it keeps kafka-python's 30 s
bootstrap wait.

The admin client does not decode the members' subscriptions (``GroupAdmin``): the monitor needs
only their assignments, and faust's subscriptions do not decode as kafka-python expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.errors import KafkaError

from services.lag.errors import KafkaUnavailableError
from services.lag.settings import LagSettings
from shared.kafka import make_consumer, reachable
from shared.settings import KafkaSettings

# Timestamps need one record per partition; the broker still returns one whole batch when it is
# larger than this, so the limit only stops it from sending more.
_TIMESTAMP_FETCH_BYTES = 1024


class GroupAdmin(KafkaAdminClient):  # type: ignore[misc]
    """An admin client whose ``describe_groups`` leaves the members' subscriptions as bytes.

    kafka-python decodes each member's subscription (``member_metadata``) as the consumer
    protocol at the version the member announces, capped at 3, and logs a WARNING with the whole
    group description when that fails. faust's assignor announces version 4 but writes the
    version-0 layout (topics, then its own JSON as user data: ``faust.assignor``), so every faust
    member fails the decode, on every refresh. Assignments are decoded as before: they say which
    partitions each member owns, which is all the monitor reads.
    """

    def _describe_groups_process_response(self, response: Any) -> Any:
        for group in response.groups:
            for member in group.members:
                member.member_metadata = b""  # empty: kafka-python skips the decode
        return super()._describe_groups_process_response(response)


def make_group_admin(kafka: KafkaSettings) -> GroupAdmin:
    """``shared.kafka.make_admin``'s client, as a ``GroupAdmin``."""
    return GroupAdmin(
        bootstrap_servers=kafka.servers,
        client_id=f"{kafka.client_id}-admin",
        request_timeout_ms=kafka.request_timeout_ms,
    )


@dataclass(slots=True)
class Clients:
    admin: KafkaAdminClient
    reader: KafkaConsumer
    commits: KafkaConsumer | None

    def close(self) -> None:
        for client in (self.commits, self.reader, self.admin):
            if client is not None:
                client.close()


def open_clients(settings: LagSettings) -> Clients:
    if not reachable(settings.kafka, settings.connect_timeout_s):
        servers = settings.kafka.bootstrap_servers
        raise KafkaUnavailableError(
            f"cannot reach Kafka at {servers}: no broker accepts connections"
        )
    client_id = f"{settings.kafka.client_id}-lag"
    bootstrap_ms = int(settings.connect_timeout_s * 1000)
    opened: list[KafkaConsumer | KafkaAdminClient] = []
    try:
        reader = make_consumer(
            settings.kafka,
            None,
            client_id=client_id,
            bootstrap_timeout_ms=bootstrap_ms,
            max_poll_records=1,  # see services.lag.timestamps
            max_partition_fetch_bytes=_TIMESTAMP_FETCH_BYTES,
            fetch_max_wait_ms=100,
        )
        opened.append(reader)
        admin = make_group_admin(settings.kafka)
        opened.append(admin)
        commits = None
        if settings.read_commit_log:
            commits = make_consumer(
                settings.kafka,
                None,
                client_id=f"{client_id}-commits",
                bootstrap_timeout_ms=bootstrap_ms,
                exclude_internal_topics=False,
                max_poll_records=100_000,
                fetch_max_wait_ms=100,
            )
    except KafkaError as exc:
        for client in reversed(opened):
            client.close()
        raise KafkaUnavailableError(
            f"cannot reach Kafka at {settings.kafka.bootstrap_servers}: {exc}"
        ) from exc
    return Clients(admin=admin, reader=reader, commits=commits)
