"""The Kafka clients of the lag monitor, opened together and closed together.

- ``admin``: committed offsets, group members, topic metadata;
- ``reader``: a consumer without a group for log-end offsets and record timestamps;
- ``commits``: a consumer without a group tailing ``__consumer_offsets`` (None when disabled).

Opening fails fast (``connect_timeout_s``) with ``KafkaUnavailableError`` when no broker answers.
A plain TCP connection is tried first: kafka-python 3.0 leaves a running IO thread and an open
socket behind each client whose bootstrap fails, which an exporter retrying every few seconds
through a Kafka outage would pile up. The admin client is opened after the reader, once a broker
is known to answer, because its factory keeps kafka-python's 30 s bootstrap wait.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.errors import KafkaError

from services.lag.errors import KafkaUnavailableError
from services.lag.settings import LagSettings
from shared.kafka import make_admin, make_consumer
from shared.settings import KafkaSettings

# Timestamps need one record per partition; the broker still returns one whole batch when it is
# larger than this, so the limit only stops it from sending more.
_TIMESTAMP_FETCH_BYTES = 1024


@dataclass(slots=True)
class Clients:
    admin: KafkaAdminClient
    reader: KafkaConsumer
    commits: KafkaConsumer | None

    def close(self) -> None:
        for client in (self.commits, self.reader, self.admin):
            if client is not None:
                client.close()


def _reachable(kafka: KafkaSettings, timeout_s: float) -> bool:
    for server in kafka.servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


def open_clients(settings: LagSettings) -> Clients:
    if not _reachable(settings.kafka, settings.connect_timeout_s):
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
        admin = make_admin(settings.kafka)
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
