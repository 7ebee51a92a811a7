"""cli.lag_status: a group's status from (committed, end) samples over a window."""

from __future__ import annotations

import pytest

from cli.lag_status import group_status, partition_status


@pytest.mark.parametrize(
    ("samples", "members", "status"),
    [
        ([(10, 10), (12, 12)], 1, "OK"),  # caught up
        ([(0, 30), (10, 30), (20, 30)], 1, "OK"),  # eating into its lag
        ([(0, 30), (5, 40), (8, 50)], 1, "WARN"),  # moving, but falling behind
        ([(10, 30), (10, 30), (10, 35)], 1, "STALL"),  # lag, and the offset does not move
        ([(10, 30), (10, 30)], 0, "STOP"),  # lag, and nobody in the group
        ([(30, 30), (30, 30)], 0, "OK"),  # no lag: a stopped group owes nothing
        ([(10, 30)], 1, "OK"),  # one sample cannot show a stall
        ([(100, 100), (100, 100), (100, 101)], 1, "OK"),  # idle, a record just arrived
        ([(10, 30), (10, 30)], None, "STALL"),  # members unknown: never STOP
    ],
)
def test_partition_status(samples: list[tuple[int, int]], members: int, status: str) -> None:
    assert partition_status(samples, members) == status


def test_the_group_takes_its_worst_partition() -> None:
    assert group_status(["OK", "WARN", "OK"]) == "WARN"
    assert group_status(["STALL", "WARN", "STOP"]) == "STOP"
    assert group_status([]) == "OK"
    with pytest.raises(ValueError):
        partition_status([], 1)
