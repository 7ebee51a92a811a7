"""Analysts correct the matcher: two clusters are one product, or reports in one are not.

Why a step of the flow and not an edit of the tables: a correction is a record
(:class:`ClusterDecision`) on the linkage topic, applied in order with the signals around it by
this one function in the worker and in the in-memory runner. A replay of the topic therefore
makes the same clusters, byte for byte, and a restarted worker holds what the lost one held
(the tables are changelog-backed).

* ``merge``: the other cluster (same category) is folded into the older of the two, as a
  signal that matches both would fold them; the younger gets its last record with
  ``merged_into``, so its warning and control are closed where they live.
* ``split``: the named members leave together, as a new cluster; ``not_this_product``: each
  named member leaves alone. Both clusters are rebuilt from their members (linkage keeps what
  each member added, :meth:`streams.linking.LinkIndex.remember`), and they are kept apart from
  then on: no later signal merges them again (``apart_from``).

A refused correction says why (unknown cluster, another category, a report that is no member,
members no longer kept). Every correction, applied or refused, is noted under its id, so a
correction read again after a crash gives the result it gave the first time, and republishes
the clusters it changed as they are now (a merged-away one as it was retired). What
it changed is in the cluster's ``corrections``, and its labelled pairs (``same``,
``different``) feed ``riskwire eval export-labels``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, replace

from detectors.cluster_update import absorb, merge, new_cluster
from schemas.codec import decode, dumps, from_dict, loads, to_dict
from schemas.records import Cluster, ClusterDecision, ClusterDecisionResult, Signal
from streams.linking import LinkIndex, with_area

__all__ = ["CORRECTIONS", "Corrected", "correct", "is_correction", "result_of"]

State = MutableMapping[str, bytes]
CORRECTIONS = ("merge", "split", "not_this_product")
MAX_PAIRS = 20  # labelled pairs a correction states (of the many it implies)


@dataclass(frozen=True, slots=True)
class Corrected:
    """What a correction did: the clusters to publish and its result; ``result`` is None when
    the cluster is not held here (another partition's worker answers)."""

    changed: list[Cluster]
    result: ClusterDecisionResult | None


def is_correction(raw: bytes) -> bool:
    """Whether a record on the linkage topic is a correction, not a signal: the codec writes
    a record's fields in order, and only a :class:`ClusterDecision` begins with its id."""
    return raw.startswith(b'{"decision_id":')


def _done_key(decision_id: str) -> str:
    return f"~corrected:{decision_id}"


def correct(
    decision: ClusterDecision,
    clusters: State,
    index: LinkIndex,
    areas: State | None = None,
    owns: Callable[[str], bool] = lambda block: True,
) -> Corrected:
    """Apply ``decision`` to the clusters held in ``clusters`` (see module doc). ``owns``
    selects the categories (block keys) of the partition the decision was read from: every
    partition reads it, and a worker's tables may hold the clusters of several partitions, so
    only the partition that links the cluster's category applies it (and writes its
    changelog)."""
    done = clusters.get(_done_key(decision.decision_id))
    if done is not None:  # read again after a crash: its result, and the clusters it
        stored = loads(done)  # changed as they are now (as a signal read again returns its
        if not owns(stored["block"]):
            return Corrected([], None)
        changed = []  # cluster), so a newer version is never followed by an older one
        for kept in stored["changed"]:
            now = clusters.get(kept["cluster_id"])
            changed.append(decode(Cluster, now) if now else from_dict(Cluster, kept))
        return Corrected(changed, from_dict(ClusterDecisionResult, stored["result"]))
    raw = clusters.get(decision.cluster_id)
    if raw is None:
        return Corrected([], None)
    cluster = decode(Cluster, raw)
    if not owns(cluster.block_key):
        return Corrected([], None)
    outcome = _apply(decision, cluster, clusters, index, areas)
    clusters[_done_key(decision.decision_id)] = dumps(
        {
            "block": cluster.block_key,
            "result": to_dict(outcome.result),
            "changed": [to_dict(c) for c in outcome.changed],
        }
    )
    return outcome


def _refused(decision: ClusterDecision, why: str) -> Corrected:
    return Corrected([], result_of(decision, False, why))


def result_of(
    decision: ClusterDecision,
    accepted: bool,
    reason: str,
    clusters: tuple[str, ...] = (),
    same: tuple[tuple[str, str], ...] = (),
    different: tuple[tuple[str, str], ...] = (),
) -> ClusterDecisionResult:
    """The result of ``decision``, applied or refused (a release's too: :mod:`streams.releases`)."""
    return ClusterDecisionResult(
        decision_id=decision.decision_id,
        cluster_id=decision.cluster_id,
        correction=decision.correction,
        accepted=accepted,
        reason=reason,
        decided_by=decision.decided_by,
        clusters=clusters,
        same=same,
        different=different,
    )


def _note(decision: ClusterDecision, what: str) -> str:
    when = decision.at.isoformat(timespec="seconds")
    return f"{decision.decision_id}: {what}, by {decision.decided_by} at {when}: {decision.reason}"


def _apply(
    d: ClusterDecision, cluster: Cluster, clusters: State, index: LinkIndex, areas: State | None
) -> Corrected:
    if d.correction not in CORRECTIONS:
        return _refused(d, f"unknown correction {d.correction!r}; one of {', '.join(CORRECTIONS)}")
    if not d.reason.strip():
        return _refused(d, "a correction needs a reason")
    if d.correction == "merge":
        return _merge(d, cluster, clusters, index)
    return _split(d, cluster, clusters, index, areas)


def _merge(d: ClusterDecision, cluster: Cluster, clusters: State, index: LinkIndex) -> Corrected:
    other_id = d.other_cluster_id or ""
    if not other_id or other_id == cluster.cluster_id:
        return _refused(d, "a merge names another cluster (other_cluster_id)")
    raw = clusters.get(other_id)
    if raw is None:
        why = f"no cluster {other_id} in the category of {cluster.cluster_id}"
        why += " (unknown, expired or merged)"
        return _refused(d, why)
    other = decode(Cluster, raw)
    if other.block_key != cluster.block_key:
        return _refused(d, f"{other_id} is of another category ({other.block_key})")
    keep, drop = sorted((cluster, other), key=lambda c: (c.first_seen, c.cluster_id))
    note = _note(d, f"merged {drop.cluster_id} into {keep.cluster_id}")
    ids = {keep.cluster_id, drop.cluster_id}
    merged = merge(keep, drop)
    merged = replace(
        merged,
        apart_from=tuple(a for a in merged.apart_from if a not in ids),
        corrections=(*merged.corrections, note),
    )
    block = keep.block_key
    del clusters[drop.cluster_id]
    index.candidates.remove(block, drop.cluster_id)
    index.move_members(block, drop.cluster_id, keep.cluster_id)
    clusters[keep.cluster_id] = dumps(merged)
    index.file(block, merged, clusters)
    retired = replace(drop, merged_into=keep.cluster_id, corrections=(*drop.corrections, note))
    same = _pairs(keep.member_ids, drop.member_ids)
    reason = f"merged {drop.cluster_id} into {keep.cluster_id}"
    result = result_of(d, True, reason, clusters=(keep.cluster_id, drop.cluster_id), same=same)
    return Corrected([merged, retired], result)


def _split(
    d: ClusterDecision, cluster: Cluster, clusters: State, index: LinkIndex, areas: State | None
) -> Corrected:
    leaving = tuple(dict.fromkeys(d.signal_ids))
    if not leaving:
        return _refused(d, f"a {d.correction} names the reports that leave (signal_ids)")
    strangers = [i for i in leaving if i not in cluster.member_ids]
    if strangers:
        return _refused(d, f"not members of {cluster.cluster_id}: {', '.join(strangers)}")
    staying = [i for i in cluster.member_ids if i not in leaving]
    if not staying:
        return _refused(d, "every report would leave: lift the warning or merge instead")
    block = cluster.block_key
    kept = index.members_of(block, cluster.cluster_id)
    missing = [i for i in cluster.member_ids if i not in kept]
    if missing or cluster.signal_count != len(cluster.member_ids):
        why = (
            f"{cluster.signal_count - len(cluster.member_ids) + len(missing)} of "
            f"{cluster.signal_count} reports are no longer kept (older than the linkage window, "
            "or linked before members were kept): the cluster cannot be rebuilt"
        )
        return _refused(d, why)
    groups = [list(leaving)] if d.correction == "split" else [[i] for i in leaving]
    new_ids = [_new_id(d.decision_id, n) for n in range(len(groups))]
    what = f"{len(leaving)} report(s) left for {', '.join(new_ids)}"
    note = _note(d, what)
    rest = _rebuild(cluster.cluster_id, [kept[i] for i in staying], areas)
    rest = replace(
        rest,
        merged_from=cluster.merged_from,
        apart_from=(*cluster.apart_from, *new_ids),
        corrections=(*cluster.corrections, note),
    )
    parts = []
    for new_id, group in zip(new_ids, groups, strict=True):
        part = _rebuild(new_id, [kept[i] for i in group], areas)
        others = [cluster.cluster_id, *(n for n in new_ids if n != new_id)]
        parts.append(replace(part, apart_from=tuple(others), corrections=(note,)))
    for part in (rest, *parts):
        clusters[part.cluster_id] = dumps(part)
        if part is not rest:  # the members that stay are filed under the rest's id already
            for member in part.member_ids:
                index.remember(block, part.cluster_id, kept[member])
        index.file(block, part, clusters)
    different = _pairs(leaving, tuple(staying))
    result = result_of(d, True, what, clusters=(cluster.cluster_id, *new_ids), different=different)
    return Corrected([rest, *parts], result)


def _new_id(decision_id: str, n: int) -> str:
    """A deterministic id for the n-th cluster a correction founds."""
    digest = hashlib.blake2b(f"{decision_id}:{n}".encode(), digest_size=6).hexdigest()
    return f"K-{digest}"


def _rebuild(cluster_id: str, members: Sequence[Signal], areas: State | None) -> Cluster:
    """The cluster ``members`` make, in the order they joined, under ``cluster_id``."""
    built = replace(new_cluster(members[0]), cluster_id=cluster_id)
    for signal in members[1:]:
        built = absorb(built, signal)
    if areas is not None:
        built = with_area(built, areas, members[-1])
    return built


def _pairs(a: Sequence[str], b: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Up to ``MAX_PAIRS`` pairs, one id of each side, spread over both sides."""
    if not a or not b:
        return ()
    count = min(MAX_PAIRS, len(a) * len(b))
    return tuple((a[n % len(a)], b[(n // len(a) + n) % len(b)]) for n in range(count))
