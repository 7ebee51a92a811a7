"""How a cluster grows: founded by one signal, absorbing the next, two merged into one.

Why apart from :mod:`detectors.linkage`: linkage decides *which* cluster a signal belongs to;
this module says what the cluster then records (counts by feed, region and day, names, brands,
models, parties, trade, outcomes), bounded so a cluster's value stays small however many
signals it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from detectors.brands import brand_variants
from detectors.event_identity import model_codes
from detectors.evidence import is_risk_evidence
from detectors.linkage import MAX_MEMBERS, MAX_NAMES, WINDOW, block_key, cluster_id_for
from detectors.text import match_key
from schemas.records import OUTCOME_RANK, Cluster, Signal

__all__ = ["absorb", "merge", "new_cluster"]


def new_cluster(signal: Signal) -> Cluster:
    """A one-signal cluster founded by ``signal``."""
    empty = Cluster(
        cluster_id=cluster_id_for(signal),
        block_key=block_key(signal),
        product=signal.product_name,
        category=signal.category,
        hazard_class=signal.hazard_class,
        first_seen=signal.event_time,
        last_seen=signal.event_time,
        signal_count=0,
    )
    return absorb(empty, signal)


def _add(values: tuple[str, ...], value: str | None, limit: int = MAX_NAMES) -> tuple[str, ...]:
    if not value or value in values or len(values) >= limit:
        return values
    return (*values, value)


def _bump(counts: dict[str, int], key: str | None) -> dict[str, int]:
    if not key:
        return counts
    return {**counts, key: counts.get(key, 0) + 1}


def _add_all(values: tuple[str, ...], new: Iterable[str]) -> tuple[str, ...]:
    for value in sorted(new):
        values = _add(values, value)
    return values


def _bump_all(counts: dict[str, int], keys: Iterable[str]) -> dict[str, int]:
    for key in keys:
        counts = _bump(counts, key)
    return counts


def _trim_days(daily: dict[str, int], now: datetime) -> dict[str, int]:
    horizon = (now - WINDOW * 2).date().isoformat()
    return {d: c for d, c in daily.items() if d >= horizon}


REPORTING_FEEDS = frozenset({"complaints", "injuries", "foodborne"})


def _display_name(cluster: Cluster, signal: Signal, brands: tuple[str, ...]) -> str:
    """The name a warning shows: the shortest name a report gives that includes a brand.

    Reports name products as people say them ("暖阳电暖器"); listing titles and declaration
    descriptions carry slogans and codes, so they only name a cluster until a report does.
    """
    current, candidate = cluster.product, signal.product_name
    if signal.feed not in REPORTING_FEEDS or not candidate:
        return current
    branded = any(b and b in match_key(candidate) for b in brands)
    current_branded = any(b and b in match_key(current) for b in brands)
    if branded and (not current_branded or len(candidate) < len(current)):
        return candidate
    return current


def absorb(cluster: Cluster, signal: Signal) -> Cluster:
    """The cluster after ``signal`` joins it: counts, parties, outcomes and provenance."""
    worst = max(cluster.worst_outcome, signal.outcome, key=lambda o: OUTCOME_RANK.get(o, 0))
    is_declaration = signal.is_declaration
    risk = is_risk_evidence(signal)
    day = signal.event_time.date().isoformat()
    is_listing = signal.feed == "listings"
    last_seen = max(cluster.last_seen, signal.event_time)
    brands = cluster.brands
    for variant in (match_key(signal.brand), *brand_variants(signal.brand)):
        brands = _add(brands, variant)
    return replace(
        cluster,
        product=_display_name(cluster, signal, brands),
        first_seen=min(cluster.first_seen, signal.event_time),
        last_seen=last_seen,
        signal_count=cluster.signal_count + 1,
        hazard_class=cluster.hazard_class or signal.hazard_class,
        names=_add(cluster.names, match_key(signal.product_name)),
        product_terms=tuple(sorted({*cluster.product_terms, *signal.product_terms})),
        brands=brands,
        models=_add(cluster.models, match_key(signal.model)),
        model_codes=_add_all(cluster.model_codes, model_codes(signal.model, signal.product_name)),
        hazard_modes=_bump_all(cluster.hazard_modes, signal.hazard_modes),
        feed_counts=_bump(cluster.feed_counts, signal.feed),
        risk_counts=_bump(cluster.risk_counts, signal.feed if risk else None),
        channel_counts=_bump(cluster.channel_counts, signal.channel),
        region_counts=_bump(cluster.region_counts, signal.region),
        daily_counts=_trim_days(_bump(cluster.daily_counts, day if risk else None), last_seen),
        enterprises=_add(
            _add(cluster.enterprises, signal.enterprise_uscc or signal.enterprise_name),
            signal.consignee,
        ),
        hs_codes=_add(cluster.hs_codes, signal.hs_code),
        origins=_add(cluster.origins, signal.origin_country),
        ports=_add(cluster.ports, signal.port),
        worst_outcome=worst,
        cases=cluster.cases + signal.cases,
        hospitalised=cluster.hospitalised + signal.hospitalised,
        deaths=cluster.deaths + signal.deaths,
        vulnerable_groups=tuple(sorted({*cluster.vulnerable_groups, *signal.vulnerable_groups})),
        import_quantity=cluster.import_quantity
        + (signal.quantity or 0.0) * (is_declaration and signal.direction == "import"),
        import_value=cluster.import_value
        + (signal.value or 0.0) * (is_declaration and signal.direction == "import"),
        listing_count=cluster.listing_count + is_listing,
        sales_count=cluster.sales_count + (signal.sales_count or 0),
        member_ids=_add(cluster.member_ids, signal.signal_id, MAX_MEMBERS),
    )


def _sum(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """Counts added, keys in a fixed order (``a``'s, then ``b``'s new ones): a set's order
    changes with the process's hash seed, and two workers must write the same bytes."""
    return {k: a.get(k, 0) + b.get(k, 0) for k in dict.fromkeys([*a, *b])}


def _union(a: tuple[str, ...], b: tuple[str, ...], limit: int = MAX_NAMES) -> tuple[str, ...]:
    for value in b:
        a = _add(a, value, limit)
    return a


def merge(keep: Cluster, other: Cluster) -> Cluster:
    """``keep`` after ``other`` is folded into it: counts added, parties and members united.

    ``keep`` keeps its id (the older cluster's, so ids stay stable) and records ``other`` and
    whatever ``other`` had merged before in ``merged_from``.
    """
    last_seen = max(keep.last_seen, other.last_seen)
    return replace(
        keep,
        first_seen=min(keep.first_seen, other.first_seen),
        last_seen=last_seen,
        signal_count=keep.signal_count + other.signal_count,
        hazard_class=keep.hazard_class or other.hazard_class,
        names=_union(keep.names, other.names),
        product_terms=tuple(sorted({*keep.product_terms, *other.product_terms})),
        brands=_union(keep.brands, other.brands),
        models=_union(keep.models, other.models),
        model_codes=_union(keep.model_codes, other.model_codes),
        hazard_modes=_sum(keep.hazard_modes, other.hazard_modes),
        feed_counts=_sum(keep.feed_counts, other.feed_counts),
        risk_counts=_sum(keep.risk_counts, other.risk_counts),
        channel_counts=_sum(keep.channel_counts, other.channel_counts),
        region_counts=_sum(keep.region_counts, other.region_counts),
        daily_counts=_trim_days(_sum(keep.daily_counts, other.daily_counts), last_seen),
        enterprises=_union(keep.enterprises, other.enterprises),
        hs_codes=_union(keep.hs_codes, other.hs_codes),
        origins=_union(keep.origins, other.origins),
        ports=_union(keep.ports, other.ports),
        worst_outcome=max(
            keep.worst_outcome, other.worst_outcome, key=lambda o: OUTCOME_RANK.get(o, 0)
        ),
        cases=keep.cases + other.cases,
        hospitalised=keep.hospitalised + other.hospitalised,
        deaths=keep.deaths + other.deaths,
        vulnerable_groups=tuple(sorted({*keep.vulnerable_groups, *other.vulnerable_groups})),
        import_quantity=keep.import_quantity + other.import_quantity,
        import_value=keep.import_value + other.import_value,
        listing_count=keep.listing_count + other.listing_count,
        sales_count=keep.sales_count + other.sales_count,
        member_ids=_union(keep.member_ids, other.member_ids, MAX_MEMBERS),
        merged_from=_union(keep.merged_from, (other.cluster_id, *other.merged_from), MAX_MEMBERS),
        apart_from=_union(keep.apart_from, other.apart_from, MAX_MEMBERS),
        corrections=(*keep.corrections, *other.corrections),
    )
