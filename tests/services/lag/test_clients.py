"""Describing a group with a faust member: faust's subscription bytes, built with faust's own
classes, make kafka-python's admin log a WARNING; the monitor's admin does not decode them and
still sees which partitions the member owns. Then the same against the real broker, with a
member that joins its group with faust's subscription."""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.protocol import (
    ConsumerProtocolMemberAssignment,
    ConsumerProtocolMemberMetadata,
)
from faust.assignor.client_assignment import ClientAssignment, ClientMetadata
from kafka import KafkaAdminClient, TopicPartition
from kafka.protocol.admin import DescribeGroupsResponse

from services.lag.clients import GroupAdmin
from services.lag.monitor import Monitor
from services.lag.offsets import Member, _owners
from shared.names import Names
from tests.services.lag.conftest import MakeSettings, MakeTopic

TOPIC = "n.articles.raw"
FAUST_VERSION = 4  # faust's PartitionAssignor.version


def faust_subscription(topics: Iterable[str], partitions: list[int]) -> bytes:
    """The user data faust's assignor puts in a member's subscription (its ClientMetadata)."""
    assignment = ClientAssignment(actives={t: partitions for t in topics}, standbys={})
    metadata: bytes = ClientMetadata(
        assignment=assignment, url="http://enrich-1:6066", changelog_distribution={}
    ).dumps()
    return metadata


def faust_member_response() -> Any:
    """A DescribeGroups answer for one faust worker owning partitions 0 and 2 of ``TOPIC``,
    its subscription and assignment encoded as faust's PartitionAssignor encodes them."""
    metadata = faust_subscription([TOPIC], [0, 2])
    subscription = ConsumerProtocolMemberMetadata(FAUST_VERSION, [TOPIC], metadata).encode()
    owned = ConsumerProtocolMemberAssignment(
        FAUST_VERSION, [(TOPIC, [0, 2])], zlib.compress(metadata)
    )
    group = DescribeGroupsResponse.DescribedGroup
    return DescribeGroupsResponse(
        throttle_time_ms=0,
        groups=[
            group(
                error_code=0,
                group_id="n.enrich",
                group_state="Stable",
                protocol_type="consumer",
                protocol_data="faust",
                members=[
                    group.DescribedGroupMember(
                        member_id="enrich-1-abc",
                        group_instance_id=None,
                        client_id="faust-0.15.3",
                        client_host="/10.0.0.7",
                        member_metadata=subscription,
                        member_assignment=owned.encode(),
                    )
                ],
                authorized_operations=set(),
            )
        ],
    )


def describe(admin_class: type[KafkaAdminClient]) -> dict[str, Any]:
    """What ``describe_groups`` returns for that answer (its processing, without a broker)."""
    admin = object.__new__(admin_class)  # the processing reads nothing of the client's state
    result: dict[str, Any] = admin._describe_groups_process_response(
        copy.deepcopy(faust_member_response())
    )
    return result


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_kafka_python_warns_on_a_faust_subscription(caplog: pytest.LogCaptureFixture) -> None:
    # The reason GroupAdmin exists: should kafka-python learn this layout, this test says so.
    with caplog.at_level(logging.WARNING, logger="kafka"):
        describe(KafkaAdminClient)
    (warning,) = warnings_of(caplog)
    assert warning.startswith("Unable to decode member_metadata")


def test_the_monitor_admin_does_not_decode_it_and_counts_the_member(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="kafka"):
        described = describe(GroupAdmin)["n.enrich"]
    assert warnings_of(caplog) == []
    (member,) = described["members"]
    assert member["member_assignment"]["assigned_partitions"] == [
        {"topic": TOPIC, "partitions": [0, 2]}
    ]
    owner = Member("enrich-1-abc", "/10.0.0.7")
    assert _owners(described) == {
        TopicPartition(TOPIC, 0): owner,
        TopicPartition(TOPIC, 2): owner,
    }


class FaustLikeAssignor(RoundRobinPartitionAssignor):  # type: ignore[misc]
    """Round robin, but subscribing as faust's assignor does: version 4, faust's user data."""

    name = "faust"
    version = FAUST_VERSION

    @classmethod
    def metadata(cls, topics: Iterable[str]) -> ConsumerProtocolMemberMetadata:
        wanted = sorted(topics)
        return ConsumerProtocolMemberMetadata(
            cls.version, wanted, faust_subscription(wanted, [0, 1])
        )


@pytest.fixture
def faust_like_member(kafka_settings: Any, names: Names, make_topic: MakeTopic) -> Iterator[str]:
    """A member of the enrich group, joined with faust's subscription, until the test ends."""
    topic = make_topic(names.raw_topic, 2)
    joined, leave = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    async def member() -> None:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_settings.bootstrap_servers,
            group_id=names.enrich_group,
            partition_assignment_strategy=(FaustLikeAssignor,),
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=200)
            joined.set()
            while not leave.is_set():
                await consumer.getmany(timeout_ms=200)
        finally:
            await consumer.stop()

    def run() -> None:
        try:
            asyncio.run(member())
        except BaseException as exc:  # handed to the test, which fails with it
            failure.append(exc)
            joined.set()

    thread = threading.Thread(target=run, name="faust-like-member")
    thread.start()
    try:
        assert joined.wait(60), "the member never got its partitions"
        assert not failure, failure
        yield topic
    finally:
        leave.set()
        thread.join(30)
    assert not failure, failure


@pytest.mark.integration
def test_a_group_with_a_faust_member_is_read_without_warning(
    faust_like_member: str,
    names: Names,
    lag_settings: MakeSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="kafka"), Monitor(lag_settings()) as monitor:
        report = monitor.refresh()
    # Only the decode is asserted on: kafka-python also warns when its IO loop is slow.
    assert [w for w in warnings_of(caplog) if "Unable to decode" in w] == []
    enrich = next(g for g in report.groups if g.group == names.enrich_group)
    assert enrich.state == "Stable"
    owned = {(p.topic, p.partition) for p in enrich.partitions if p.consumer_id}
    assert owned == {(faust_like_member, 0), (faust_like_member, 1)}
