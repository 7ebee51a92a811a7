"""Stage logic shared by the Faust agents and the in-process runner.

Each function takes the stage's state as plain mappings of ``str -> bytes``. A Faust table is
such a mapping, and so is a dict: the agents pass their changelog-backed tables, the in-process
runner (:mod:`lab.offline`) passes dicts, and both run exactly this code. State is only
ever replaced (``table[key] = new``), never mutated in place, because only assignment reaches a
table's changelog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from detectors.area import add_to_series, area_key, cluster_province, province_of
from detectors.catalogue import Catalogue
from detectors.evidence import is_risk_evidence
from detectors.grading import decide, retire
from detectors.linkage import (
    NAME_THRESHOLD,
    PENDING_MAX,
    WINDOW,
    Candidate,
    LinkDecision,
    absorb,
    block_key,
    candidate_keys,
    cluster_id_for,
    clusters_compatible,
    link,
    merge,
    new_cluster,
    seeds_clusters,
    signal_keys,
    similarity,
)
from detectors.model import WarningScorer
from detectors.neardup import SWEEP_HOURS, NearDupIndex, NearVerdict, matcher_config
from detectors.scoring import assess
from detectors.targeting import control_for
from schemas.codec import decode, dumps, from_dict, loads
from schemas.records import (
    Assessment,
    Cluster,
    Control,
    Duplicate,
    Signal,
    Warning,
    WarningKind,
)

__all__ = [
    "NEAR_DUPLICATE",
    "escalate",
    "link_signal",
    "near_duplicate_verdict",
    "reason_ids",
    "score",
]

NEAR_DUPLICATE = "near duplicate"

State = MutableMapping[str, bytes]
EXPIRY = WINDOW * 2


# The candidate index lives in the ``blocks`` table, within the signal's category partition:
#   "<category>|c|<cluster id>"  the cluster's summary (a Candidate)
#   "<category>|k|<key>"         [[cluster id, last seen], ...], the PER_KEY most recent
#   "<category>|d|<signal id>"   a declaration waiting for a cluster
#   "<category>|p|<key>"         [[signal id, event time], ...] of waiting declarations
#   "<category>|e|<hour>"        [id, ...] clusters founded and declarations held in that hour
#   "<category>|e"               the oldest hour whose list has not been swept
# A signal reads the lists of its keys (detectors.linkage.signal_keys) and the summaries they
# name, so the cost of linking one signal is bounded however many clusters a category holds.
# The hour lists are how state stays bounded by time: each signal sweeps the hours of its block
# that fell out of the window (at most SWEEP_HOURS of them), forgetting what has been idle since.
PER_KEY = 64

_decoded: dict[str, tuple[bytes, Any]] = {}
_DECODED_MAX = 65536


def _decode_cached(key: str, blob: bytes, decode_blob: Callable[[bytes], Any]) -> Any:
    """Decode a stored value once per stored bytes object (a table returns the same object)."""
    cached = _decoded.get(key)
    if cached is not None and cached[0] is blob:
        return cached[1]
    value = decode_blob(blob)
    if len(_decoded) >= _DECODED_MAX:  # values of partitions this worker no longer owns
        _decoded.clear()
    _decoded[key] = (blob, value)
    return value


def _summary_key(block: str, cluster_id: str) -> str:
    return f"{block}|c|{cluster_id}"


def _list_key(block: str, key: str) -> str:
    return f"{block}|k|{key}"


def _candidates(blocks: State, block: str, keys: tuple[str, ...]) -> dict[str, Candidate]:
    """The live clusters filed under any of ``keys`` in ``block``, by id."""
    _migrate(blocks, block)
    found: dict[str, Candidate] = {}
    for key in keys:
        raw = blocks.get(_list_key(block, key))
        if not raw:
            continue
        for cluster_id, _ in _decode_cached(_list_key(block, key), raw, loads):
            if cluster_id in found:
                continue
            summary = blocks.get(_summary_key(block, cluster_id))
            if summary is not None:
                found[cluster_id] = _decode_cached(
                    _summary_key(block, cluster_id), summary, _candidate_of
                )
    return found


def _candidate_of(blob: bytes) -> Candidate:
    return from_dict(Candidate, loads(blob))


def _file(blocks: State, block: str, candidate: Candidate) -> None:
    """Store a cluster's summary and file it under its keys (newest first, PER_KEY per key)."""
    blob = dumps(candidate)
    blocks[_summary_key(block, candidate.cluster_id)] = blob
    _decoded[_summary_key(block, candidate.cluster_id)] = (blob, candidate)
    seen = candidate.last_seen.timestamp()
    for key in candidate_keys(candidate):
        list_key = _list_key(block, key)
        raw = blocks.get(list_key)
        listed = _decode_cached(list_key, raw, loads) if raw else []
        entries = [e for e in listed if e[0] != candidate.cluster_id]
        entries.append([candidate.cluster_id, seen])
        entries.sort(key=lambda e: -e[1])
        del entries[PER_KEY:]
        new = dumps(entries)
        blocks[list_key] = new
        _decoded[list_key] = (new, entries)


def _unfile(blocks: State, block: str, cluster_id: str) -> None:
    """Forget a cluster's summary; list entries naming it are skipped, and fall off the end of
    their lists as newer clusters are filed."""
    blocks.pop(_summary_key(block, cluster_id), None)
    _decoded.pop(_summary_key(block, cluster_id), None)


def _hour(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H")


def _enlist(blocks: State, block: str, item_id: str, at: datetime) -> None:
    """File a cluster or a waiting declaration under the hour of ``at``, to be swept later."""
    hour = _hour(at)
    key = f"{block}|e|{hour}"
    raw = blocks.get(key)
    ids = loads(raw) if raw else []
    if item_id in ids:
        return
    blocks[key] = dumps([*ids, item_id])
    oldest = blocks.get(f"{block}|e")
    if oldest is None or hour < oldest.decode():
        blocks[f"{block}|e"] = hour.encode()


def _drop_from_lists(blocks: State, list_keys: Iterable[str], item_id: str) -> None:
    for list_key in list_keys:
        raw = blocks.get(list_key)
        if raw is None:
            continue
        entries = [e for e in loads(raw) if e[0] != item_id]
        if entries:
            blocks[list_key] = dumps(entries)
        else:
            del blocks[list_key]
        _decoded.pop(list_key, None)


def sweep(clusters: State, blocks: State, block: str, now: datetime) -> int:
    """Forget, in ``block``, the clusters idle for ``EXPIRY`` and the declarations that waited
    ``WINDOW`` for a cluster; returns how many went.

    Only the hours of ``block`` that fell out of the window are read, ``SWEEP_HOURS`` lists at
    most per call, so a signal pays a bounded share; a cluster still live when its hour is swept is
    filed again under the hour of its last signal. Clusters that no signal will ever look up
    again are forgotten too: state is bounded by the window, not by the history.
    """
    raw = blocks.get(f"{block}|e")
    if raw is None:
        return 0
    hour = datetime.strptime(raw.decode(), "%Y-%m-%dT%H").replace(tzinfo=UTC)
    horizon = now - EXPIRY
    forgotten = swept = 0
    for _ in range(int(EXPIRY / timedelta(hours=1))):  # an empty hour costs one lookup
        if swept == SWEEP_HOURS or hour + timedelta(hours=1) > horizon:
            break
        listed = blocks.pop(f"{block}|e|{_hour(hour)}", None)
        if listed is not None:
            swept += 1
            for item_id in loads(listed):
                forgotten += _sweep_one(clusters, blocks, block, item_id, now)
        hour += timedelta(hours=1)
    if _hour(hour) != raw.decode():  # written only when it moved: no changelog write per signal
        blocks[f"{block}|e"] = _hour(hour).encode()
    return forgotten


def _sweep_one(clusters: State, blocks: State, block: str, item_id: str, now: datetime) -> int:
    if item_id.startswith("K-"):
        summary = blocks.get(_summary_key(block, item_id))
        if summary is None:  # merged away or expired on a lookup already
            return 0
        candidate = _candidate_of(summary)
        if candidate.last_seen >= now - EXPIRY:
            _enlist(blocks, block, item_id, candidate.last_seen)
            return 0
        clusters.pop(item_id, None)
        _unfile(blocks, block, item_id)
        _drop_from_lists(blocks, (_list_key(block, k) for k in candidate_keys(candidate)), item_id)
        return 1
    stored = blocks.get(_waiting_key(block, item_id))
    if stored is None:  # adopted by a cluster, or pushed out of its lists
        return 0
    line = decode(Signal, stored)
    if line.event_time >= now - WINDOW:
        _enlist(blocks, block, item_id, line.event_time)
        return 0
    del blocks[_waiting_key(block, item_id)]
    _drop_from_lists(blocks, (_waiting_list_key(block, k) for k in signal_keys(line)), item_id)
    return 1


def _migrate(blocks: State, block: str) -> None:
    """Re-file the candidates of a block stored by riskwire <= 0.4 (one list per category)."""
    raw = blocks.get(block)
    if raw is None:
        return
    for summary in loads(raw):
        _file(blocks, block, from_dict(Candidate, summary))
    del blocks[block]


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


def _with_area(cluster: Cluster, areas: State, signal: Signal) -> Cluster:
    """``cluster`` carrying the current series of its category in its main province."""
    province = cluster_province(cluster.region_counts, signal.region)
    if not province:
        return replace(cluster, area_key="", area_daily_counts={})
    key = area_key(cluster.block_key, province)
    series, _ = _area_value(areas.get(key))
    return replace(cluster, area_key=key, area_daily_counts=series)


def near_duplicate_verdict(
    signal: Signal, index: NearDupIndex
) -> tuple[Duplicate | None, NearVerdict | None]:
    """The near-duplicate verdict on a signal that is not an exact repeat: a Duplicate when it
    repeats an earlier report, and the index's verdict (None when no check ran).

    A customs declaration line is a trade record with its own id: only an exact repeat
    duplicates it, so it is neither compared nor filed.
    """
    if signal.is_declaration:
        return None, None
    verdict = index.check(signal)
    if verdict.duplicate_of is None:
        return None, verdict
    return Duplicate(
        signal_id=signal.signal_id,
        duplicate_of=verdict.duplicate_of,
        feed=signal.feed,
        reason=NEAR_DUPLICATE,
        event_time=signal.event_time,
        score=round(verdict.best.score, 1) if verdict.best else None,
        explanation=verdict.explain() or {},
    ), verdict


def link_signal(
    signal: Signal,
    clusters: State,
    blocks: State,
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
    sweep(clusters, blocks, key, signal.event_time)
    candidates = _candidates(blocks, key, signal_keys(signal))
    horizon = signal.event_time - EXPIRY
    for cid in [cid for cid, c in candidates.items() if c.last_seen < horizon]:
        del candidates[cid]
        clusters.pop(cid, None)
        _unfile(blocks, key, cid)
    decision = link(signal, candidates.values(), threshold)
    if decision.cluster_id and decision.cluster_id in clusters:
        current = decode(Cluster, clusters[decision.cluster_id])
        if signal.signal_id in current.member_ids:
            return current, decision  # a replay after a crash: counted already
        cluster, dropped = _merge_matching(
            signal, absorb(current, signal), decision, candidates, clusters
        )
        if dropped:
            merged = [d.cluster_id for d in dropped]
            decision = replace(decision, reasons={**decision.reasons, "merged": merged})
            if retired is not None:
                retired += [replace(d, merged_into=cluster.cluster_id) for d in dropped]
        if cluster.brands != current.brands or cluster.model_codes != current.model_codes:
            # it learned a brand spelling or a model code: a waiting declaration may match now
            cluster, adopted = _adopt_pending(cluster, blocks, key, threshold)
            if adopted:
                decision = replace(decision, reasons={**decision.reasons, "adopted": adopted})
    elif seeds_clusters(signal):
        founded = clusters.get(cluster_id_for(signal))
        if founded is not None:  # this signal founded a cluster before: a replay
            return decode(Cluster, founded), decision
        cluster, adopted = _adopt_pending(new_cluster(signal), blocks, key, threshold)
        _enlist(blocks, key, cluster.cluster_id, signal.event_time)
        if adopted:
            decision = replace(decision, reasons={**decision.reasons, "adopted": adopted})
    else:
        _hold_pending(signal, blocks, key)
        return None, decision
    if areas is not None:
        if is_risk_evidence(signal):  # before the snapshot, so that it includes this signal
            _count_in_area(areas, signal, position)
        cluster = _with_area(cluster, areas, signal)
    clusters[cluster.cluster_id] = dumps(cluster)
    for merged_id in reason_ids(decision, "merged"):
        _unfile(blocks, key, merged_id)
    _file(blocks, key, Candidate.of(cluster))
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
        keep, drop = sorted((cluster, other), key=lambda c: (c.first_seen, c.cluster_id))
        cluster = merge(keep, drop)
        del clusters[drop.cluster_id]
        candidates.pop(drop.cluster_id, None)
        merged.append(drop)
    return cluster, merged


def _waiting_key(block: str, signal_id: str) -> str:
    return f"{block}|d|{signal_id}"


def _waiting_list_key(block: str, key: str) -> str:
    return f"{block}|p|{key}"


def _hold_pending(signal: Signal, blocks: State, block: str) -> None:
    """Keep an unlinked declaration for a cluster founded later: the line under its own key,
    its id in the lists of its index keys (``PENDING_MAX`` most recent per key)."""
    blocks[_waiting_key(block, signal.signal_id)] = dumps(signal)
    _enlist(blocks, block, signal.signal_id, signal.event_time)
    at = signal.event_time.timestamp()
    for key in signal_keys(signal):
        list_key = _waiting_list_key(block, key)
        raw = blocks.get(list_key)
        entries = [e for e in (loads(raw) if raw else []) if e[0] != signal.signal_id]
        entries.append([signal.signal_id, at])
        entries.sort(key=lambda e: -e[1])
        blocks[list_key] = dumps(entries[:PENDING_MAX])
        for signal_id, _ in entries[PENDING_MAX:]:
            _forget_if_unlisted(blocks, block, signal_id)


def _forget_if_unlisted(blocks: State, block: str, signal_id: str) -> None:
    """Delete a waiting declaration that no list names any more: state stays bounded."""
    stored = blocks.get(_waiting_key(block, signal_id))
    if stored is None:
        return
    for key in signal_keys(decode(Signal, stored)):
        raw = blocks.get(_waiting_list_key(block, key))
        if raw and any(e[0] == signal_id for e in loads(raw)):
            return
    del blocks[_waiting_key(block, signal_id)]


def _adopt_pending(
    cluster: Cluster, blocks: State, block: str, threshold: float
) -> tuple[Cluster, list[str]]:
    """``cluster`` with the waiting declarations filed under its keys that match it absorbed."""
    horizon = (cluster.first_seen - WINDOW).timestamp()
    adopted: list[str] = []
    summary = Candidate.of(cluster)
    for key in candidate_keys(summary):
        list_key = _waiting_list_key(block, key)
        raw = blocks.get(list_key)
        if not raw:
            continue
        entries = loads(raw)
        waiting = []
        for signal_id, at in entries:
            stored = blocks.get(_waiting_key(block, signal_id))
            if stored is None or signal_id in adopted:
                continue  # adopted through another key, or by another cluster
            if at < horizon:
                blocks.pop(_waiting_key(block, signal_id), None)
                continue
            line = decode(Signal, stored)
            if similarity(line, summary).score >= threshold:
                cluster = absorb(cluster, line)
                summary = Candidate.of(cluster)
                adopted.append(signal_id)
                del blocks[_waiting_key(block, signal_id)]
            else:
                waiting.append([signal_id, at])
        if len(waiting) != len(entries):
            blocks[list_key] = dumps(waiting)
    return cluster, adopted


def score(cluster: Cluster, catalogue: Catalogue, model: WarningScorer | None = None) -> Assessment:
    """Hazard x urgency x scope for a cluster as of its latest signal.

    With a trained ``model``, the explanation also carries its probability that the cluster
    deserves a warning and the features that drove it; grading still follows the rules.
    """
    if cluster.merged_into is not None:  # nothing to score: it lives on in the survivor
        explanation: dict[str, Any] = {"merged_into": cluster.merged_into}
        return Assessment(
            cluster=cluster,
            as_of=cluster.last_seen,
            hazard=0,
            urgency=0,
            scope=0,
            score=0.0,
            explanation=explanation,
        )
    assessment = assess(cluster, catalogue)
    if model is None:
        return assessment
    _, why = model.score_cluster(cluster, assessment.as_of, catalogue)
    explained = {**assessment.explanation, "model": {"name": model.name, **why.to_dict()}}
    return replace(assessment, explanation=explained)


def escalate(
    assessment: Assessment, warnings: State, catalogue: Catalogue, position: str | None = None
) -> tuple[Warning | None, Control | None]:
    """The next warning version for a cluster, and the control it asks of customs, if any.

    When a warning stops being an alert notification, its earlier control is lifted. The
    warning of a cluster merged away is lifted as ``merged`` (:func:`detectors.grading.retire`),
    with its control: the survivor's own assessment carries the risk on.

    ``position`` is where the assessment was read (``topic:partition:offset``; a cluster's
    assessments all come from one partition, so offsets order them). After a crash the table can
    hold versions whose messages never reached the topic (the changelog is written at once,
    outputs when the offset is committed), and the inputs are read again. An input at or before
    the last position that decided a version is a re-read: it gets what it decided the first time
    (the last ``DECISIONS_KEPT`` decisions are kept), or nothing if it decided nothing; deciding
    anew against the newer version would publish versions that never were.
    """
    cluster = assessment.cluster
    stored = _StoredWarning.of(warnings.get(cluster.cluster_id))
    offset = _offset(position)
    if offset is not None and stored.last is not None and offset <= stored.last:
        return stored.decided.get(offset, (None, None))
    previous = stored.warning
    if cluster.merged_into is not None:
        warning = retire(previous, cluster) if previous else None
    else:
        warning = decide(previous, assessment)
    if warning is None:
        return None, None
    control = control_for(warning, cluster, catalogue)
    alert = WarningKind.ALERT_NOTIFICATION.value
    if control is None and previous and previous.kind == alert and previous.status == "active":
        was = replace(previous, status="lifted", version=warning.version)
        control = control_for(was, cluster, catalogue)
    decided = [[o, w, c] for o, (w, c) in stored.decided.items()]
    if offset is not None:
        decided = [*decided, [offset, warning, control]][-DECISIONS_KEPT:]
    # one value, so one changelog record: the version and the decisions that made it
    warnings[cluster.cluster_id] = dumps({"warning": warning, "decided": decided})
    return warning, control


DECISIONS_KEPT = 16  # far more than one cluster's assessments between two commits


def _offset(position: str | None) -> int | None:
    """The offset in a ``topic:partition:offset`` position (or a bare offset)."""
    if position is None:
        return None
    return int(position.rsplit(":", 1)[-1])


@dataclass(frozen=True, slots=True)
class _StoredWarning:
    """A cluster's latest warning and the recent decisions that made versions, by offset."""

    warning: Warning | None
    decided: dict[int, tuple[Warning | None, Control | None]]

    @property
    def last(self) -> int | None:
        """The offset of the last decision noted."""
        return max(self.decided) if self.decided else None

    @classmethod
    def of(cls, raw: bytes | None) -> _StoredWarning:
        """Read a stored value (a bare Warning, as stored before decisions were noted, too)."""
        if not raw:
            return cls(None, {})
        value = loads(raw)
        if "warning" not in value:
            return cls(from_dict(Warning, value), {})
        decided = {
            int(o): (
                from_dict(Warning, w) if w else None,
                from_dict(Control, c) if c else None,
            )
            for o, w, c in value.get("decided", [])
        }
        return cls(from_dict(Warning, value["warning"]), decided)
