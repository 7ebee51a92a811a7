"""Analysts overrule the near-duplicate check: "this report is not a duplicate".

The dedup stage drops a report it judges a near duplicate of an earlier one (its
:class:`~schemas.records.Duplicate` goes to the duplicates topic); it never reaches linkage.
So that an analyst can undo a wrong verdict, the stage keeps each near duplicate's signal
(:class:`KeptDuplicates`, a changelog-backed table in the worker) for the near-duplicate
window (:data:`detectors.neardup.WINDOW` of event time in its category, at most
:data:`PER_ORIGINAL` per original). An exact repeat is the same report as its original:
nothing of it is kept, and there is nothing to release.

Why a step of the flow and not an edit of the tables: the release is a record, a
:class:`~schemas.records.ClusterDecision` whose correction is ``not_a_duplicate``, on the dedup
stage's own input topic (``riskwire.signals``, every partition), applied in order with the
signals around it by :func:`release` in the worker and in the in-memory runner. Only the
partition that deduplicates the report's category (``block_key``, which the endpoint found
for the report and wrote into the record) applies it; the others ignore it, so with one
worker holding every partition in one table the release is still made once, and written to
its own partition's changelog. A decision for an unknown report (``block_key`` empty) is
answered by the partition of the empty key.

A release sends the kept signal on to linkage as the stage sends a unique one, files the
report's verdict in the near-duplicate index as unique (a re-send of it is then an exact
repeat, as any unique report's is, never a near duplicate again), and states the pair
(released report, supposed original) in ``different`` (``riskwire eval export-labels``).
A refusal says why: an unknown report, a report that is no near duplicate (judged unique, or
released already), or one no longer kept. Every decision, applied or refused, is noted under
its id: read again after a crash, it gives the result it gave the first time, byte for byte,
and sends the released signal on again (linkage counts a report once), never releasing twice.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, replace

from detectors.expiring import ExpiringIndex
from detectors.linkage import block_key
from detectors.neardup import WINDOW, NearDupIndex
from schemas.codec import dumps, from_dict, loads, to_dict
from schemas.records import ClusterDecision, ClusterDecisionResult, Signal
from streams.cluster_corrections import result_of

__all__ = ["PER_ORIGINAL", "RELEASE", "KeptDuplicates", "Released", "release"]

State = MutableMapping[str, bytes]
RELEASE = "not_a_duplicate"
PER_ORIGINAL = 64  # near duplicates kept per original (the newest)


def _day(signal: Signal) -> float:
    return signal.event_time.timestamp() / 86400.0  # the near-duplicate index's unit


class KeptDuplicates:
    """The near duplicates' signals, by category: each filed under the report it was judged a
    duplicate of, none older than :data:`~detectors.neardup.WINDOW` before the newest report
    deduplicated in its category."""

    def __init__(self, store: State) -> None:
        self.store = store
        self.index: ExpiringIndex[Signal] = ExpiringIndex(
            store,
            "dup",
            window=float(WINDOW.days),
            per_key=PER_ORIGINAL,
            encode=lambda s: s,
            decode=lambda d: from_dict(Signal, d),
        )

    def saw(self, signal: Signal) -> None:
        """Forget what left the window by ``signal``'s event time, in its category."""
        self.index.expire(block_key(signal), _day(signal))

    def keep(self, signal: Signal, duplicate_of: str) -> None:
        """Keep a near duplicate of ``duplicate_of`` (a re-read files the same value again)."""
        self.index.put(block_key(signal), signal.signal_id, _day(signal), (duplicate_of,), signal)

    def get(self, block: str, signal_id: str) -> tuple[Signal, str] | None:
        """A kept near duplicate of category ``block`` and the report it was judged to repeat."""
        entry = self.index.get(block, signal_id)
        return None if entry is None else (entry.value, entry.keys[0])

    def remove(self, block: str, signal_id: str) -> None:
        """Forget a kept near duplicate (it was released)."""
        self.index.remove(block, signal_id)

    def invalidate(self) -> None:
        """The table was recovered: rebuild the lists on next use."""
        self.index.invalidate()


@dataclass(frozen=True, slots=True)
class Released:
    """What a release did: the signal to send on to linkage (None when refused or ignored) and
    its result; ``result`` is None where the report's category is another partition's."""

    signal: Signal | None
    result: ClusterDecisionResult | None


def _done_key(decision_id: str) -> str:
    return f"~released:{decision_id}"


def _released_key(block: str, signal_id: str) -> str:
    return f"~released-signal:{block}:{signal_id}"


def release(
    decision: ClusterDecision,
    kept: KeptDuplicates,
    near: NearDupIndex,
    owns: Callable[[str], bool] = lambda block: True,
) -> Released:
    """Apply an analyst's "not a duplicate" (see module doc). ``owns`` selects the categories
    (block keys) of the partition the decision was read from."""
    store = kept.store
    done = store.get(_done_key(decision.decision_id))
    if done is not None:  # read again after a crash: the result it gave, the signal again
        stored = loads(done)
        if not owns(stored["block"]):
            return Released(None, None)
        signal = from_dict(Signal, stored["signal"]) if stored["signal"] else None
        return Released(signal, from_dict(ClusterDecisionResult, stored["result"]))
    block = decision.block_key
    if not owns(block):
        return Released(None, None)
    outcome = _apply(decision, block, kept, near)
    store[_done_key(decision.decision_id)] = dumps(
        {
            "block": block,
            "result": to_dict(outcome.result),
            "signal": to_dict(outcome.signal) if outcome.signal is not None else None,
        }
    )
    return outcome


def _refused(decision: ClusterDecision, why: str) -> Released:
    return Released(None, result_of(decision, False, why))


def _apply(d: ClusterDecision, block: str, kept: KeptDuplicates, near: NearDupIndex) -> Released:
    if d.correction != RELEASE:
        return _refused(d, f"the dedup stage takes only {RELEASE!r}, not {d.correction!r}")
    if not d.reason.strip():
        return _refused(d, "a release needs a reason")
    if len(d.signal_ids) != 1:
        return _refused(d, "a release names one report (signal_ids)")
    signal_id = d.signal_ids[0]
    if not block:
        why = (
            f"unknown signal {signal_id}: no report of that id was deduplicated lately (an "
            "exact repeat is not kept either: it is the same report as its original)"
        )
        return _refused(d, why)
    found = kept.get(block, signal_id)
    if found is None:
        by = kept.store.get(_released_key(block, signal_id))
        if by is not None:
            return _refused(d, f"{signal_id} is no near duplicate: released by {by.decode()}")
        filed = near.index.get(block, signal_id)
        if not d.cluster_id or (filed is not None and filed.value.duplicate_of is None):
            return _refused(d, f"{signal_id} is no near duplicate: it was judged unique")
        why = (
            f"{signal_id} is no longer kept: a near duplicate is kept {WINDOW.days} days (of "
            f"event time in its category, at most {PER_ORIGINAL} per original)"
        )
        return _refused(d, why)
    signal, original = found
    kept.remove(block, signal_id)
    filed = near.index.get(block, signal_id)
    if filed is not None:  # its verdict, as a re-read of the report finds it: unique
        unique = replace(filed.value, duplicate_of=None)
        near.index.put(block, signal_id, filed.at, filed.keys, unique)
    kept.store[_released_key(block, signal_id)] = d.decision_id.encode()
    why = f"{signal_id} released to linkage: not a duplicate of {original}"
    return Released(signal, result_of(d, True, why, different=((signal_id, original),)))
