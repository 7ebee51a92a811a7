"""Building sample records: the feed payloads, their timestamps and ids, and the random draws.

:class:`RecordBuilder` turns a report into the raw record its feed would deliver (payload
shapes, timestamp styles and ids as the real feeds send them) and keeps the ground truth;
:func:`moment_of`, :func:`poisson` and :func:`ramp` are the draws and intensities the noise and
incident courses are made of. Everything takes the generator's one seeded ``random.Random``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

import orjson

from connectors.normalize import uscc_check_char
from lab.sample_types import CST, FeedRecord
from lab.sample_vocabulary import CHANNELS, PLATFORMS, PORTS, REGIONS

__all__ = ["RecordBuilder", "feed_timestamp", "make_uscc", "moment_of", "poisson", "ramp"]

_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random, region_code: str) -> str:
    """A valid unified social credit code of an enterprise registered in ``region_code``."""
    body = "91" + region_code + "".join(rng.choice(_USCC_BODY) for _ in range(9))
    return body + uscc_check_char(body)


def feed_timestamp(rng: random.Random, when: datetime) -> str | int:
    """Timestamps in the shapes real feeds use: ISO with offset, naive local, epoch ms."""
    local = when.astimezone(CST)
    style = rng.random()
    if style < 0.5:
        return local.isoformat(timespec="seconds")
    if style < 0.85:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return int(when.timestamp() * 1000)


class RecordBuilder:
    """Accumulates records and truth while the generator walks through the days."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[FeedRecord] = []
        self.truth: dict[str, set[str]] = {}
        self.noise: set[str] = set()
        self.seq = 0

    def next_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq:07d}"

    def add(
        self, feed: str, body: Mapping[str, object], when: datetime, signal_id: str, label: str
    ) -> None:
        payload = orjson.dumps(body)
        key = signal_id.split(":", 1)[1].encode()
        self.records.append(FeedRecord(feed, payload, when, label, signal_id, key))
        if label == "noise":
            self.noise.add(signal_id)
        elif label.startswith("incident:"):
            self.truth.setdefault(label.removeprefix("incident:"), set()).add(signal_id)

    def complaint(
        self, when: datetime, product: str, text: str, label: str, **extra: object
    ) -> None:
        cid = self.next_id("CP")
        body: dict[str, object] = {
            "complaint_id": cid,
            "received_at": feed_timestamp(self.rng, when),
            "channel": self.rng.choice(CHANNELS),
            "product_name": product,
            "description": text,
            "region": self.rng.choice(REGIONS),
            **extra,
        }
        self.add("complaints", body, when, f"complaints:{cid}", label)

    def injury(
        self,
        when: datetime,
        product: str,
        outcome: str,
        injury: tuple[str, str],
        narrative: str,
        label: str,
        **extra: object,
    ) -> None:
        rid = self.next_id("IR")
        body: dict[str, object] = {
            "report_id": rid,
            "reported_at": feed_timestamp(
                self.rng, when + timedelta(hours=self.rng.randint(2, 30))
            ),
            "injury_date": when.astimezone(CST).strftime("%Y-%m-%d"),
            "hospital_id": f"H{self.rng.randint(100, 999)}",
            "product_name": product,
            "outcome": outcome,
            "injury_type": injury[0],
            "body_part": injury[1],
            "narrative": narrative,
            "region": self.rng.choice(REGIONS),
            **extra,
        }
        self.add("injuries", body, when, f"injuries:{rid}", label)

    def listing(self, when: datetime, title: str, label: str, **extra: object) -> None:
        platform = self.rng.choice(PLATFORMS)
        lid = self.next_id("L")
        body: dict[str, object] = {
            "listing_id": lid,
            "platform": platform,
            "captured_at": feed_timestamp(self.rng, when),
            "title": title,
            "url": f"https://{lid.lower()}.example.com/item",
            "region": self.rng.choice(REGIONS),
            **extra,
        }
        self.add("listings", body, when, f"listings:{platform}:{lid}", label)

    def declaration(
        self, when: datetime, goods: str, hs: str, origin: str, label: str, **extra: object
    ) -> None:
        did = self.next_id("D")
        body: dict[str, object] = {
            "declaration_id": did,
            "line_no": 1,
            "declared_at": feed_timestamp(self.rng, when),
            "port": self.rng.choice(PORTS),
            "direction": "import",
            "hs_code": hs,
            "goods_description": goods,
            "origin_country": origin,
            "currency": "USD",
            **extra,
        }
        self.add("declarations", body, when, f"declarations:{did}-1", label)


def moment_of(day: date, rng: random.Random) -> datetime:
    """A random moment of a China-time day, as UTC."""
    local = datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(
        seconds=rng.randint(7 * 3600, 22 * 3600)
    )
    return local.astimezone(UTC)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's method is fine for the small rates used here)."""
    if lam <= 0:
        return 0
    threshold, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def ramp(day_index: float, start: int, peak: int, end: int, top: float) -> float:
    """A triangular intensity: 0 before ``start``, rising to ``top`` at ``peak``, 0 at ``end``."""
    if day_index < start or day_index > end:
        return 0.0
    if day_index <= peak:
        return top * (day_index - start + 1) / (peak - start + 1)
    return top * (end - day_index) / (end - peak)
