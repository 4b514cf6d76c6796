"""Describing a group with a faust member: faust's subscription bytes, built with faust's own
classes, make kafka-python's admin log a WARNING; the monitor's admin does not decode them and
still sees which partitions the member owns."""

from __future__ import annotations

import copy
import logging
import zlib
from typing import Any

import pytest
from aiokafka.coordinator.protocol import (
    ConsumerProtocolMemberAssignment,
    ConsumerProtocolMemberMetadata,
)
from faust.assignor.client_assignment import ClientAssignment, ClientMetadata
from kafka import KafkaAdminClient, TopicPartition
from kafka.protocol.admin import DescribeGroupsResponse

from services.lag.clients import GroupAdmin
from services.lag.offsets import Member, _owners

TOPIC = "n.articles.raw"


def faust_member_response() -> Any:
    """A DescribeGroups answer for one faust worker owning partitions 0 and 2 of ``TOPIC``,
    its subscription and assignment encoded as faust's PartitionAssignor encodes them."""
    assignment = ClientAssignment(actives={TOPIC: [0, 2]}, standbys={})
    metadata = ClientMetadata(
        assignment=assignment, url="http://enrich-1:6066", changelog_distribution={}
    ).dumps()
    version = 4  # faust's PartitionAssignor.version
    subscription = ConsumerProtocolMemberMetadata(version, [TOPIC], metadata).encode()
    owned = ConsumerProtocolMemberAssignment(version, [(TOPIC, [0, 2])], zlib.compress(metadata))
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
