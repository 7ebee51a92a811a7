"""detectors.freshness and the escalation stage's clock: a feed silent beyond its own rhythm is
stalled, and while it is, the quiet clock of the warnings its reports fed is held."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from detectors.catalogue import Catalogue
from detectors.freshness import MIN_DAYS, stalled_feeds, usual_gap
from detectors.standard import STANDARD
from schemas.records import Assessment, Cluster
from streams.escalation import escalate, on_tick

DAY0 = date(2026, 9, 1)
AS_OF = datetime(2026, 9, 30, 6, 30, tzinfo=UTC)


def days(*offsets: int) -> list[date]:
    return [DAY0 + timedelta(days=o) for o in offsets]


def test_a_feed_is_stalled_when_silent_beyond_its_own_rhythm() -> None:
    daily = days(*range(20))  # a record every day
    weekly = days(0, 7, 14, 21, 28)  # a batch every week
    assert usual_gap(daily) == 1 and usual_gap(weekly) == 7
    assert usual_gap(days(0, 1, 2)) is None  # too few days to know a rhythm
    today = DAY0 + timedelta(days=32)
    found = {"complaints": daily, "inspections": weekly, "new": days(31)}
    # daily: 13 days silent (> max(2, 2x1)); weekly: 4 days (< 2x7); new: no rhythm yet
    assert stalled_feeds(found, today) == ("complaints",)
    assert stalled_feeds({"complaints": days(*range(33))}, today) == ()
    # one past outage of 17 days does not make every later silence look usual
    outage = days(*range(10), *range(27, 40))
    assert usual_gap(outage) == 1
    assert stalled_feeds({"complaints": outage}, DAY0 + timedelta(days=43)) == ("complaints",)


@given(
    st.lists(st.integers(0, 400), min_size=MIN_DAYS, max_size=80, unique=True),
    st.integers(0, 60),
)
def test_a_feed_that_had_a_record_today_is_never_stalled(offsets: list[int], extra: int) -> None:
    recorded = days(*offsets)
    today = max(recorded)
    assert stalled_feeds({"f": recorded}, today) == ()
    later = today + timedelta(days=extra)
    gap = usual_gap(recorded)
    assert gap is not None
    assert (stalled_feeds({"f": recorded}, later) == ("f",)) == (extra > max(2, 2 * gap))


def test_a_stalled_feed_holds_the_quiet_clock_of_its_warnings(
    evidenced: Cluster, catalogue: Catalogue
) -> None:
    table: dict[str, bytes] = {}
    made = escalate(
        Assessment(cluster=evidenced, as_of=AS_OF, hazard=4, urgency=3, scope=3, score=48.0),
        table,
        catalogue,
        "assessments:0:1",
    )
    assert made
    every = lambda k: True  # noqa: E731
    quiet = STANDARD.quiet_period
    # the injuries feed broke: a tick past the quiet period evaluates nothing
    late = AS_OF + quiet + timedelta(days=1)
    before = dict(table)
    assert on_tick(table, late, "assessments:0:2", every, ("injuries",)) == []
    assert table == before  # holding writes nothing
    # an unrelated feed's stall holds nothing
    other: dict[str, bytes] = dict(before)
    ((not_held, _),) = on_tick(other, late, "assessments:0:2", every, ("listings",))
    assert not_held.state == "evaluating"
    # the feed is back: the quiet steps come, dated at their deadlines as without the stall
    ((evaluating, _),) = on_tick(table, late + timedelta(days=1), "assessments:0:3", every)
    assert evaluating == not_held
