"""Linkage: tie signals about the same product and hazard into clusters.

First cut, to be replaced by a calibrated matcher. Signals are blocked by product category, so
only clusters of the same category (one Kafka partition) are candidates. Within a block a signal
joins the most similar live cluster, scoring 0-100:

* name similarity: rapidfuzz WRatio on match keys; names that share a product-type term from
  the catalogue's synonym groups ("滑板车" = "scooter") score at least ``TERM_SCORE``, so a
  Chinese and an English report of the same product can meet;
* +15 for the same model, +10 for the same brand;
* contradictions score 0: different brands (written in the same script: "Fretani" and "弗塔尼"
  cannot be told apart, "禾舒(Heshu)" matches both), different models, or different hazard
  classes (same product, different hazard is a different risk).

The best score at or above ``NAME_THRESHOLD`` wins. Customs declarations join clusters but never
start one: a declaration is trade, not a risk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from detectors.evidence import is_risk_evidence
from detectors.neardup import brand_variants, brands_agree
from detectors.text import match_key
from schemas.records import OUTCOME_RANK, Cluster, Signal

__all__ = [
    "NAME_THRESHOLD",
    "WINDOW",
    "Candidate",
    "LinkDecision",
    "absorb",
    "block_key",
    "link",
    "new_cluster",
    "seeds_clusters",
]

NAME_THRESHOLD = 70.0
TERM_SCORE = 75.0
WINDOW = timedelta(days=60)
MAX_MEMBERS = 2000
MAX_NAMES = 24
NON_SEEDING_FEEDS = frozenset({"declarations"})


def block_key(signal: Signal) -> str:
    """The partition key that makes all linkage candidates of a signal meet in one place."""
    return signal.category or "uncategorised"


def seeds_clusters(signal: Signal) -> bool:
    """Whether an unmatched signal starts a new cluster (declarations never do)."""
    return signal.feed not in NON_SEEDING_FEEDS


@dataclass(frozen=True, slots=True)
class Candidate:
    """What matching needs to know of a cluster: a compact summary kept per block."""

    cluster_id: str
    names: tuple[str, ...]
    product_terms: tuple[str, ...]
    brands: tuple[str, ...]
    models: tuple[str, ...]
    hazard_class: str | None
    last_seen: datetime

    @classmethod
    def of(cls, cluster: Cluster) -> Candidate:
        """The summary of a full cluster."""
        return cls(
            cluster.cluster_id,
            cluster.names,
            cluster.product_terms,
            cluster.brands,
            cluster.models,
            cluster.hazard_class,
            cluster.last_seen,
        )


@dataclass(frozen=True, slots=True)
class LinkDecision:
    """Which cluster a signal joins (or ``None``), the score, and the evidence for it."""

    cluster_id: str | None
    score: float
    reasons: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Keys:
    """A signal's match keys, computed once per linkage decision."""

    name: str
    brand: str
    brands: tuple[str, ...]
    model: str
    hazard: str | None
    terms: frozenset[str]

    @classmethod
    def of(cls, signal: Signal) -> _Keys:
        return cls(
            match_key(signal.product_name),
            match_key(signal.brand),
            brand_variants(signal.brand),
            match_key(signal.model),
            signal.hazard_class,
            frozenset(signal.product_terms),
        )


def _contradicts(key: str, known: tuple[str, ...], threshold: float) -> bool:
    """True when ``key`` is given, ``known`` is not empty and ``key`` is like none of them."""
    if not key or not known:
        return False
    return all(fuzz.ratio(key, k) < threshold for k in known)


def _similarity(keys: _Keys, cluster: Candidate) -> LinkDecision:
    if keys.hazard and cluster.hazard_class and keys.hazard != cluster.hazard_class:
        return LinkDecision(None, 0.0, {"rejected": "hazard class differs"})
    if brands_agree(keys.brands, cluster.brands) is False:
        return LinkDecision(None, 0.0, {"rejected": "brand differs"})
    if _contradicts(keys.model, cluster.models, 100.0):
        return LinkDecision(None, 0.0, {"rejected": "model differs"})
    name_score = max(
        (fuzz.WRatio(keys.name, n, processor=None) for n in cluster.names), default=0.0
    )
    shared_terms = keys.terms.intersection(cluster.product_terms)
    if shared_terms:
        name_score = max(name_score, TERM_SCORE)
    bonus = 0.0
    if keys.model and keys.model in cluster.models:
        bonus += 15.0
    if keys.brand and (keys.brand in cluster.brands or set(keys.brands) & set(cluster.brands)):
        bonus += 10.0
    score = min(100.0, name_score + bonus)
    reasons: dict[str, object] = {"name": round(name_score, 1), "bonus": bonus}
    if shared_terms:
        reasons["terms"] = sorted(shared_terms)
    return LinkDecision(cluster.cluster_id, score, reasons)


def similarity(signal: Signal, cluster: Candidate) -> LinkDecision:
    """Score one signal against one cluster; a contradiction scores 0 with its reason."""
    return _similarity(_Keys.of(signal), cluster)


def link(
    signal: Signal, candidates: Iterable[Candidate], threshold: float = NAME_THRESHOLD
) -> LinkDecision:
    """The best live candidate cluster for ``signal`` at or above ``threshold``, if any."""
    horizon = signal.event_time - WINDOW
    keys = _Keys.of(signal)
    best = LinkDecision(None, 0.0)
    for cluster in candidates:
        if cluster.last_seen < horizon:
            continue
        decision = _similarity(keys, cluster)
        if decision.cluster_id and decision.score > best.score:
            best = decision
    reasons = {**best.reasons, "threshold": threshold}
    if best.score < threshold:
        return LinkDecision(None, best.score, reasons)
    return LinkDecision(best.cluster_id, best.score, reasons)


def cluster_id_for(signal: Signal) -> str:
    """Deterministic cluster id from the founding signal, so a replay rebuilds the same id."""
    digest = hashlib.blake2b(signal.signal_id.encode(), digest_size=6).hexdigest()
    return f"K-{digest}"


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
    is_declaration = signal.feed == "declarations"
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
