"""Shared factories for the unit tests: the bundled catalogue, signals, clusters, credit codes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.ingest import enrich
from detectors.catalogue import Catalogue, load_catalogue
from schemas.records import Cluster, Signal

# A Chinese working day, 14:30 in Shanghai.
T0 = datetime(2026, 9, 20, 6, 30, tzinfo=UTC)

# GB 32100-2015, written out here independently of connectors.normalize.
GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100_check(first17: str) -> str:
    """The check character of a unified social credit code, by the standard's formula.

    Weights are 3^(i-1) mod 31; the check value is 31 - (sum mod 31), with 31 meaning 0.
    """
    total = sum(GB32100_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17.upper()))
    return GB32100_ALPHABET[(31 - total % 31) % 31]


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The bundled key-product catalogue."""
    return load_catalogue()


@pytest.fixture
def uscc_code() -> Callable[[str], str]:
    """Complete the first 17 characters of a credit code with its GB 32100 check character."""

    def make(first17: str) -> str:
        assert len(first17) == 17
        return first17 + gb32100_check(first17)

    return make


@pytest.fixture
def make_signal(catalogue: Catalogue) -> Callable[..., Signal]:
    """A signal factory: unique ids, sensible defaults, enriched like ingest does by default."""
    counter = itertools.count(1)

    def make(
        feed: str = "complaints",
        product_name: str = "乐途儿童折叠滑板车",
        text: str = "孩子玩滑板车时折叠处夹到手指，流了很多血",
        event_time: datetime = T0,
        enriched: bool = True,
        **fields: Any,
    ) -> Signal:
        n = next(counter)
        source_id = fields.pop("source_id", f"T{n:06d}")
        signal = Signal(
            signal_id=fields.pop("signal_id", f"{feed}:{source_id}"),
            feed=feed,
            source_id=source_id,
            event_time=event_time,
            ingest_time=fields.pop("ingest_time", event_time),
            product_name=product_name,
            text=text,
            **fields,
        )
        return enrich(signal, catalogue) if enriched else signal

    return make


@pytest.fixture
def make_cluster() -> Callable[..., Cluster]:
    """A cluster with neutral defaults; pass any field to set it."""

    def make(**fields: Any) -> Cluster:
        base = Cluster(
            cluster_id="K-0123456789ab",
            block_key="childrens_products",
            product="乐途儿童折叠滑板车",
            category="childrens_products",
            hazard_class="physical",
            first_seen=T0,
            last_seen=T0,
            signal_count=1,
        )
        return replace(base, **fields)

    return make


class _RecordingStore(dict[str, bytes]):
    """A table stand-in that remembers the keys written: each write is a changelog record."""

    def __init__(self, written: list[str]) -> None:
        super().__init__()
        self._written = written

    def __setitem__(self, key: str, value: bytes) -> None:
        self._written.append(key)
        super().__setitem__(key, value)


@pytest.fixture
def recording_store() -> tuple[dict[str, bytes], list[str]]:
    """An empty store and the list of keys written to it, in order."""
    written: list[str] = []
    return _RecordingStore(written), written


@pytest.fixture
def evidenced(make_cluster: Callable[..., Cluster]) -> Cluster:
    """Five risk signals from two feeds, domestic goods, children harmed; last seen at
    2026-09-30 06:30 UTC (the grading and decision tests' ``AS_OF``)."""
    as_of = datetime(2026, 9, 30, 6, 30, tzinfo=UTC)
    return make_cluster(
        first_seen=as_of - timedelta(days=6),
        last_seen=as_of,
        signal_count=5,
        member_ids=(*(f"complaints:CP{i}" for i in range(4)), "injuries:IR1"),
        risk_counts={"complaints": 4, "injuries": 1},
        feed_counts={"complaints": 4, "injuries": 1},
        region_counts={"上海": 3, "江苏": 2},
        worst_outcome="hospitalised",
        hospitalised=1,
        cases=1,
        vulnerable_groups=("children",),
        origins=("CN",),
    )
