"""What a generated sample is made of: feed records, incident truth and shapes, reference data.

These types are shared by the generator's parts (:mod:`lab.sample_builder`,
:mod:`lab.sample_noise`, :mod:`lab.sample_incidents`) and by everything that consumes a sample;
:mod:`lab.sample` re-exports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "CST",
    "INCIDENTS",
    "FeedRecord",
    "IncidentShape",
    "IncidentTruth",
    "ReferenceData",
    "Sample",
]

CST = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """One raw record as a feed would deliver it, with the generator's label for checking."""

    feed: str
    payload: bytes
    event_time: datetime
    label: str  # "noise", "incident:<name>", "duplicate", "malformed"
    signal_id: str | None  # the signal this record should become (None when malformed)
    key: bytes


@dataclass(frozen=True, slots=True)
class IncidentTruth:
    """What a planted incident is and which signals belong to it."""

    name: str
    description: str
    signal_ids: frozenset[str]
    imported: bool


@dataclass(frozen=True, slots=True)
class IncidentShape:
    """How one planted incident unfolds relative to its default course; the default changes nothing.

    ``shift`` moves the incident's start by that many days (negative: earlier); ``speed`` above 1
    makes it rise and fade faster, below 1 slower (its clock runs at ``speed`` days per day from
    its start); ``size`` scales every rate of its reports; ``feeds``, when given, keeps only the
    reports of those feeds; ``present=False`` leaves the incident out altogether. Customs
    declarations of the goods keep their own trade cadence, whatever the course.
    """

    shift: int = 0
    speed: float = 1.0
    size: float = 1.0
    feeds: frozenset[str] | None = None
    present: bool = True

    def __post_init__(self) -> None:
        if self.speed <= 0 or self.size < 0:
            raise ValueError(f"speed must be positive and size non-negative: {self}")

    def clock(self, day_index: int, anchor: int) -> float:
        """The day of the default course that ``day_index`` corresponds to (``anchor``: start)."""
        return anchor + (day_index - anchor - self.shift) * self.speed

    def reports(self, feed: str) -> bool:
        """Whether the incident is reported through ``feed``."""
        return self.feeds is None or feed in self.feeds


INCIDENTS = ("scooter", "enoki", "heater")


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """Enterprise credit grades, the blacklist and origin-country risk for the sample parties."""

    credit: dict[str, str]
    blacklist: frozenset[str]
    origin_risk: dict[str, float]


@dataclass(frozen=True, slots=True)
class Sample:
    """The generated feeds in event-time order, plus ground truth and reference data."""

    records: list[FeedRecord]
    incidents: dict[str, IncidentTruth]
    noise_signal_ids: frozenset[str]
    reference: ReferenceData
    start: date
    days: int
    counts: dict[str, int] = field(default_factory=dict)

    def by_day(self) -> Iterator[tuple[date, list[FeedRecord]]]:
        """Records grouped by event date (China time), in order: the unit of a demo replay."""
        day: date | None = None
        batch: list[FeedRecord] = []
        for rec in self.records:
            d = rec.event_time.astimezone(CST).date()
            if day is not None and d != day:
                yield day, batch
                batch = []
            day = d
            batch.append(rec)
        if day is not None:
            yield day, batch
