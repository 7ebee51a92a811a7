"""Whatever arrives, each input ends as exactly one signal or exactly one dead letter.

Random bytes, random JSON, and valid records with random fields replaced are thrown at every
feed (and at names that are no feed); ingest must never raise, and a dead letter must carry
the original bytes so that nothing is lost.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.ingest import SourceRef, ingest
from connectors.registry import feed_names
from detectors.catalogue import load_catalogue
from lab.sample import generate
from schemas.records import DeadLetter, Signal

CATALOGUE = load_catalogue()
NOW = datetime(2026, 11, 1, tzinfo=UTC)
FEEDS = st.sampled_from([*feed_names(), "unknown-feed", ""])

# One valid record per feed, from the sample generator, to mutate.
_VALID: dict[str, dict[str, Any]] = {}
for _rec in generate(seed=3, days=10).records:
    if _rec.label == "noise" and _rec.feed not in _VALID:
        _VALID[_rec.feed] = orjson.loads(_rec.payload)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _check_one(feed: str, raw: bytes) -> None:
    out = ingest(feed or None, raw, SourceRef("t", 0, 1), NOW, CATALOGUE)
    assert isinstance(out, Signal | DeadLetter)
    if isinstance(out, DeadLetter):
        assert base64.b64decode(out.raw) == raw
        assert out.reason and out.path
        assert not out.reason.startswith("internal error"), out.reason
        assert out.dead_letter_id == "DL-t:0:1"
    else:
        assert out.feed == feed
        assert out.signal_id.startswith(f"{feed}:")
        assert out.event_time.tzinfo is not None


@settings(max_examples=300, deadline=None)
@given(feed=FEEDS, raw=st.binary(max_size=300))
def test_random_bytes(feed: str, raw: bytes) -> None:
    _check_one(feed, raw)


@settings(max_examples=300, deadline=None)
@given(feed=FEEDS, value=JSON)
def test_random_json(feed: str, value: Any) -> None:
    _check_one(feed, orjson.dumps(value))


@settings(max_examples=400, deadline=None)
@given(
    feed=st.sampled_from(sorted(_VALID)),
    changes=st.dictionaries(st.text(min_size=1, max_size=20), JSON, max_size=3),
    drop=st.lists(st.text(max_size=20), max_size=2),
    data=st.data(),
)
def test_valid_records_with_random_fields(
    feed: str, changes: dict[str, Any], drop: list[str], data: st.DataObject
) -> None:
    record = dict(_VALID[feed])
    # overwrite real field names as often as random ones
    for value in data.draw(st.lists(JSON, max_size=3)):
        record[data.draw(st.sampled_from(sorted(record)))] = value
    record.update(changes)
    for name in drop:
        record.pop(name, None)
    _check_one(feed, orjson.dumps(record))


def test_unmutated_sample_records_are_signals() -> None:
    assert set(_VALID) == {"complaints", "injuries", "foodborne", "declarations", "listings"}
    for feed, record in _VALID.items():
        assert isinstance(ingest(feed, orjson.dumps(record), SourceRef(), NOW, CATALOGUE), Signal)
