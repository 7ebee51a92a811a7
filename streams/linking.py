"""Linking a unique signal into its product-hazard cluster, over the linkage state.

State, per category (the signal's partition, :func:`detectors.linkage.block_key`):

* ``clusters``: cluster id -> the :class:`Cluster`, written once per signal it absorbs;
* ``blocks``: two :class:`detectors.expiring.ExpiringIndex` kinds, each entry one value:
  ``cand`` the summary of each live cluster (a :class:`Candidate`, filed under
  :func:`candidate_keys`, ``PER_KEY`` newest per key, idle past ``EXPIRY`` forgotten) and
  ``wait`` the declaration lines waiting for a cluster (filed under :func:`signal_keys`,
  ``PENDING_MAX`` per key, forgotten after ``WINDOW``), and ``memb`` each member of a live
  cluster as it joined, without its text (filed under its cluster's id, ``MAX_MEMBERS`` per
  cluster, forgotten after ``EXPIRY`` or with its cluster): what an analyst's split rebuilds
  the clusters from (:mod:`streams.cluster_corrections`);
* ``areas``: risk signals per day by category and province (:mod:`detectors.area`).

A signal reads the candidates under its keys, so linking costs the same however many clusters a
category holds, and writes about one value per table it changes. Nothing here does I/O: the
mappings are changelog-backed tables in the worker and dicts elsewhere.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime

from detectors.area import add_to_series, area_key, cluster_province, province_of
from detectors.cluster_update import absorb, merge, new_cluster
from detectors.evidence import is_risk_evidence
from detectors.expiring import ExpiringIndex
from detectors.linkage import (
    MAX_MEMBERS,
    NAME_THRESHOLD,
    PENDING_MAX,
    WINDOW,
    Candidate,
    LinkDecision,
    block_key,
    candidate_keys,
    cluster_id_for,
    clusters_compatible,
    link,
    seeds_clusters,
    signal_keys,
    similarity,
)
from detectors.neardup import matcher_config
from schemas.codec import decode, dumps, from_dict, loads
from schemas.records import Cluster, Signal

__all__ = ["EXPIRY", "PER_KEY", "LinkIndex", "link_signal", "reason_ids", "with_area"]

State = MutableMapping[str, bytes]
EXPIRY = WINDOW * 2  # a cluster idle this long is forgotten
PER_KEY = 64  # candidate clusters per index key


def _seconds(at: datetime) -> float:
    return at.timestamp()


@dataclass
class LinkIndex:
    """The live clusters' summaries and the waiting declarations, over the ``blocks`` table."""

    store: State
    members_store: State | None = None  # the clusters' members (default: ``store``)

    def __post_init__(self) -> None:
        self.candidates: ExpiringIndex[Candidate] = ExpiringIndex(
            self.store,
            "cand",
            window=EXPIRY.total_seconds(),
            per_key=PER_KEY,
            encode=lambda c: c,
            decode=lambda d: from_dict(Candidate, d),
        )
        self.members: ExpiringIndex[Signal] = ExpiringIndex(
            self.store if self.members_store is None else self.members_store,
            "memb",
            window=EXPIRY.total_seconds(),
            per_key=MAX_MEMBERS,
            encode=lambda s: s,
            decode=lambda d: from_dict(Signal, d),
        )
        self.waiting: ExpiringIndex[Signal] = ExpiringIndex(
            self.store,
            "wait",
            window=WINDOW.total_seconds(),
            per_key=PENDING_MAX,
            encode=lambda s: s,
            decode=lambda d: from_dict(Signal, d),
        )

    def invalidate(self) -> None:
        """The table changed underneath (a recovery): rebuild the lists on next use."""
        self.candidates.invalidate()
        self.members.invalidate()
        self.waiting.invalidate()

    def remember(self, block: str, cluster_id: str, signal: Signal) -> None:
        """Keep what ``signal`` added to its cluster (all but its text), so that an analyst's
        split can rebuild the cluster from its members (:mod:`streams.cluster_corrections`)."""
        slim = replace(signal, text="", fingerprint="")
        self.members.put(block, signal.signal_id, _seconds(signal.event_time), (cluster_id,), slim)

    def members_of(self, block: str, cluster_id: str) -> dict[str, Signal]:
        """The kept members of a cluster, by signal id."""
        return {e.id: e.value for e in self.members.lookup(block, [cluster_id])}

    def move_members(self, block: str, from_id: str, to_id: str) -> None:
        """File the kept members of ``from_id`` under ``to_id`` (the clusters merged)."""
        for signal in self.members_of(block, from_id).values():
            self.remember(block, to_id, signal)

    def file(self, block: str, cluster: Cluster, clusters: State) -> None:
        """File a cluster's summary; a cluster this pushes out of every list is forgotten."""
        summary = Candidate.of(cluster)
        for gone in self.candidates.put(
            block, cluster.cluster_id, _seconds(summary.last_seen), candidate_keys(summary), summary
        ):
            self._forget(block, gone.id, clusters)

    def expire(self, block: str, now: datetime, clusters: State) -> None:
        """Forget the clusters idle past ``EXPIRY`` and the lines that waited ``WINDOW``."""
        for gone in self.candidates.expire(block, _seconds(now)):
            self._forget(block, gone.id, clusters)
        self.waiting.expire(block, _seconds(now))
        self.members.expire(block, _seconds(now))

    def _forget(self, block: str, cluster_id: str, clusters: State) -> None:
        clusters.pop(cluster_id, None)
        for member in self.members.lookup(block, [cluster_id]):
            self.members.remove(block, member.id)


def link_signal(
    signal: Signal,
    clusters: State,
    index: LinkIndex,
    threshold: float | None = None,
    *,
    areas: State | None = None,
    retired: list[Cluster] | None = None,
    position: int | None = None,
) -> tuple[Cluster | None, LinkDecision]:
    """Join ``signal`` to its best cluster in its block (or found one); expire idle clusters.

    Two more things can happen to the block (:mod:`detectors.linkage`): clusters that the signal
    also matches, and that do not contradict each other, are merged into the oldest
    (``reasons["merged"]``); a declaration that finds no cluster waits in the block, and a
    newly founded cluster, or one that learned a brand spelling or model code, adopts the
    waiting declarations it matches (``reasons["adopted"]``).

    With ``areas`` (:mod:`detectors.area`), a risk signal also counts in the series of its
    category and province, once: a replayed signal (already a member) returns before counting.
    The stored cluster then carries the series of its own area for scoring.

    With ``retired``, each cluster merged away is appended as its last version, with
    ``merged_into`` naming the survivor: the pipeline publishes it under its own id, so that
    its warning and control are closed where that id's state lives.

    ``position`` is the input offset of ``signal`` (see :func:`_count_in_area`).
    """
    if threshold is None:  # the one calibrated by ``riskwire eval dedup``, as the matcher uses
        threshold = float(matcher_config().get("link_threshold", NAME_THRESHOLD))
    key = block_key(signal)
    index.expire(key, signal.event_time, clusters)
    hint = signal.cluster_hint
    if hint and hint in clusters:  # known to be about this cluster (a port's finding)
        candidates: dict[str, Candidate] = {}
        decision = LinkDecision(hint, 100.0, {"hint": hint})
    else:
        candidates = {e.id: e.value for e in index.candidates.lookup(key, signal_keys(signal))}
        decision = link(signal, candidates.values(), threshold)
    if decision.cluster_id and decision.cluster_id in clusters:
        current = decode(Cluster, clusters[decision.cluster_id])
        if signal.signal_id in current.member_ids:
            return current, decision  # a replay after a crash: counted already
        cluster, dropped = _merge_matching(
            signal, absorb(current, signal), decision, candidates, clusters
        )
        for gone in dropped:
            index.move_members(key, gone.cluster_id, cluster.cluster_id)
        if dropped:
            merged = [d.cluster_id for d in dropped]
            decision = replace(decision, reasons={**decision.reasons, "merged": merged})
            if retired is not None:
                retired += [replace(d, merged_into=cluster.cluster_id) for d in dropped]
        index.remember(key, cluster.cluster_id, signal)
        if cluster.brands != current.brands or cluster.model_codes != current.model_codes:
            # it learned a brand spelling or a model code: a waiting declaration may match now
            cluster, adopted = _adopt_waiting(cluster, index, key, threshold)
            if adopted:
                decision = replace(decision, reasons={**decision.reasons, "adopted": adopted})
    elif seeds_clusters(signal):
        founded = clusters.get(cluster_id_for(signal))
        if founded is not None:  # this signal founded a cluster before: a replay
            return decode(Cluster, founded), decision
        founding = new_cluster(signal)
        index.remember(key, founding.cluster_id, signal)
        cluster, adopted = _adopt_waiting(founding, index, key, threshold)
        if adopted:
            decision = replace(decision, reasons={**decision.reasons, "adopted": adopted})
    else:  # a declaration line with no cluster yet: it waits for one
        index.waiting.put(
            key, signal.signal_id, _seconds(signal.event_time), signal_keys(signal), signal
        )
        return None, decision
    if areas is not None:
        if is_risk_evidence(signal):  # before the snapshot, so that it includes this signal
            _count_in_area(areas, signal, position)
        cluster = with_area(cluster, areas, signal)
    clusters[cluster.cluster_id] = dumps(cluster)
    for merged_id in reason_ids(decision, "merged"):
        index.candidates.remove(key, merged_id)
    index.file(key, cluster, clusters)
    return cluster, decision


def reason_ids(decision: LinkDecision, reason: str) -> list[str]:
    """The ids a link decision lists under ``reason`` ("merged", "adopted", "also")."""
    value = decision.reasons.get(reason)
    return [str(v) for v in value] if isinstance(value, list) else []


def _merge_matching(
    signal: Signal,
    cluster: Cluster,
    decision: LinkDecision,
    candidates: dict[str, Candidate],
    clusters: State,
) -> tuple[Cluster, list[Cluster]]:
    """``cluster`` with every other matching, compatible cluster merged in (oldest id kept),
    and the clusters merged away, as they were."""
    merged: list[Cluster] = []
    if not seeds_clusters(signal):  # a declaration line names goods, not a risk
        return cluster, merged
    for other_id in reason_ids(decision, "also"):
        raw = clusters.get(other_id)
        if raw is None or other_id not in candidates:
            continue
        if not clusters_compatible(Candidate.of(cluster), candidates[other_id]):
            continue
        other = decode(Cluster, raw)
        if other_id in cluster.apart_from or cluster.cluster_id in other.apart_from:
            continue  # an analyst said these are two products
        keep, drop = sorted((cluster, other), key=lambda c: (c.first_seen, c.cluster_id))
        cluster = merge(keep, drop)
        del clusters[drop.cluster_id]
        candidates.pop(drop.cluster_id, None)
        merged.append(drop)
    return cluster, merged


def _adopt_waiting(
    cluster: Cluster, index: LinkIndex, block: str, threshold: float
) -> tuple[Cluster, list[str]]:
    """``cluster`` with the waiting declarations filed under its keys that match it absorbed."""
    horizon = _seconds(cluster.first_seen - WINDOW)
    adopted: list[str] = []
    summary = Candidate.of(cluster)
    for key in candidate_keys(summary):
        for line in index.waiting.lookup(block, [key]):
            if index.waiting.get(block, line.id) is None:
                continue  # adopted through another key
            if line.at < horizon:
                index.waiting.remove(block, line.id)
            elif similarity(line.value, summary).score >= threshold:
                cluster = absorb(cluster, line.value)
                summary = Candidate.of(cluster)
                adopted.append(line.id)
                index.waiting.remove(block, line.id)
                index.remember(block, cluster.cluster_id, line.value)
    return cluster, adopted


def _count_in_area(areas: State, signal: Signal, position: int | None) -> None:
    """One more risk signal in the series of ``signal``'s category and province, if placed.

    With ``position`` (the input offset, which grows within the partition that owns the area),
    the area notes the last position it counted, in the same value as its series, so an input
    read again after a crash is not counted twice even when the cluster's own update was lost.
    """
    province = province_of(signal.region)
    if not province:
        return
    key = area_key(block_key(signal), province)
    raw = areas.get(key)
    series, counted_at = _area_value(raw)
    if position is not None and counted_at is not None and position <= counted_at:
        return
    added = add_to_series(series, signal.event_time.date().isoformat())
    if added is not None:
        areas[key] = dumps({"series": added, "at": position} if position is not None else added)


def _area_value(raw: bytes | None) -> tuple[dict[str, int], int | None]:
    """An area's series and the last input position counted in it (None when not noted)."""
    if not raw:
        return {}, None
    value = loads(raw)
    if "series" in value and isinstance(value["series"], dict):
        return value["series"], value.get("at")
    return value, None


def with_area(cluster: Cluster, areas: State, signal: Signal) -> Cluster:
    """``cluster`` carrying the current series of its category in its main province."""
    province = cluster_province(cluster.region_counts, signal.region)
    if not province:
        return replace(cluster, area_key="", area_daily_counts={})
    key = area_key(cluster.block_key, province)
    series, _ = _area_value(areas.get(key))
    return replace(cluster, area_key=key, area_daily_counts=series)
