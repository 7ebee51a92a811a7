"""streams.tables: state tables write and recover through one codec, and refuse what they
cannot read (the cause of every signal becoming a dead letter after a restart)."""

from __future__ import annotations

import faust
import pytest

from streams.readiness import readiness
from streams.tables import RecoveryHealth, StateTable, UnreadableState, state_table


@pytest.fixture
def app() -> faust.App:
    return faust.App("rw-tables-test", broker="kafka://127.0.0.1:1", store="memory://")


def test_values_are_written_and_recovered_raw_and_keys_as_json(app: faust.App) -> None:
    table = state_table(app, "blocks", RecoveryHealth())
    assert (table.key_serializer, table.value_serializer) == ("json", "raw")
    changelog = table.changelog_topic
    assert (changelog.key_serializer, changelog.value_serializer) == ("json", "raw")
    assert changelog.value_type is bytes


def test_a_recovered_value_that_is_not_bytes_is_refused(app: faust.App) -> None:
    table = state_table(app, "near", RecoveryHealth())
    assert table._to_value(b'[["K-1", 1.0]]') == b'[["K-1", 1.0]]'
    assert table._to_value(None) is None  # a deletion
    for decoded in ('[["K-1", 1.0]]', [["K-1", 1.0]], {"a": 1}):  # what a JSON codec gives
        with pytest.raises(UnreadableState, match="not bytes"):
            table._to_value(decoded)


def test_a_failed_recovery_is_recorded_and_the_worker_is_not_ready(app: faust.App) -> None:
    health = RecoveryHealth()
    table = state_table(app, "clusters", health)
    assert isinstance(table, StateTable)
    table.exit_on_failure = False  # in a worker it ends the process instead

    class Event:
        key = "K-1"
        value = "not bytes"

        class message:
            value = b"x"
            partition = 0

    with pytest.raises(UnreadableState):
        table.apply_changelog_batch([Event()])  # type: ignore[list-item]
    assert health.failures and "clusters" in health.failures[0]
    report = readiness(app, health)
    assert report["ready"] is False
    assert "table recovery failed" in report["reasons"]


def test_the_broker_watch_sees_offsets_the_broker_no_longer_holds() -> None:
    from streams.broker_watch import lost_offsets

    ours = {("rw.signals", 0): 120, ("rw.signals", 1): 0, ("rw.clusters", 2): 40}
    assert lost_offsets(ours, {("rw.signals", 0): 120, ("rw.clusters", 2): 41}) == []
    lost = lost_offsets(ours, {})  # a restarted in-memory broker: nothing committed at all
    assert lost == [
        "rw.clusters[2]: committed 40, broker has None",
        "rw.signals[0]: committed 120, broker has None",
    ]
    assert lost_offsets(ours, {("rw.signals", 0): 7, ("rw.clusters", 2): 40}) == [
        "rw.signals[0]: committed 120, broker has 7"
    ]
