"""Linkage: tie signals about the same product and hazard into clusters.

Rules whose threshold is calibrated on the labelled set (``riskwire eval dedup``). Signals are
blocked by product category, so only clusters of the same category (one Kafka partition) are
candidates. Within a block a signal joins the most similar live cluster, scoring name
similarity (0-100) plus evidence (up to 35 more, so that of two clusters alike in name the
better evidenced wins):

* name similarity: rapidfuzz WRatio on match keys with the brands taken out; names that share
  a product-type term from the catalogue's synonym groups ("滑板车" = "scooter") score at least
  ``TERM_SCORE``, so a Chinese and an English report of the same product can meet;
* +15 for the same model code (from the model field or the name, ``NU-S1型`` = ``NUS1``; when
  those give none, from the narrative: "家属称产品为奥斯金牌,型号au-t2"), +10 for the same
  brand (by spelling or by sound, or a brand of the cluster named in the signal's product name
  or text), +10 for a shared failure mode;
* contradictions score 0: different brands (written in the same script: "Fretani" and "弗塔尼"
  cannot be told apart, "禾舒(Heshu)" matches both), different model codes (the narrative's
  too, when neither the model field nor the name gives one), or different failure modes (the
  same heater's live casing and its missing tip-over cut-off are two risks); when either side
  names no failure mode, different hazard classes.

The best score at or above ``NAME_THRESHOLD`` wins. Customs declarations join clusters but never
start one: a declaration is trade, not a risk. A declaration that finds no cluster waits in its
block (filed under its index keys, ``PENDING_MAX`` per key, for ``WINDOW``) and joins the first
cluster founded that it matches, so goods declared before the first complaint are still counted.

When a signal matches a second cluster as well as the one it joins, and the two clusters do not
contradict each other (brand, model code, failure mode), they are one risk that arrived split
(a report with no brand started a cluster of its own): the younger cluster is merged into the
older, whose id stays, and the merge is recorded in ``merged_from``. Only a risk report bridges
two clusters (a declaration line names goods, not a risk), and only clusters of the same kind of
product merge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache

from rapidfuzz import fuzz

from detectors.brands import brand_variants, brands_agree
from detectors.event_identity import MISREAD, codes_agree, model_codes
from detectors.text import is_cjk, match_key, sound_key
from schemas.records import Cluster, Signal

__all__ = [
    "NAME_THRESHOLD",
    "WINDOW",
    "Candidate",
    "LinkDecision",
    "block_key",
    "candidate_keys",
    "cluster_id_for",
    "clusters_compatible",
    "link",
    "seeds_clusters",
    "signal_keys",
]

NAME_THRESHOLD = 70.0
TERM_SCORE = 75.0
WINDOW = timedelta(days=60)
MAX_MEMBERS = 2000
MAX_NAMES = 24
PENDING_MAX = 64  # waiting declarations per index key
MAX_KEYS = 16
MAX_ALSO = 3  # merge candidates considered per signal
MERGE_NAMES = 85.0


def block_key(signal: Signal) -> str:
    """The partition key that makes all linkage candidates of a signal meet in one place."""
    return signal.category or "uncategorised"


def seeds_clusters(signal: Signal) -> bool:
    """Whether an unmatched signal starts a new cluster (declarations never do)."""
    return not signal.is_declaration


def main_modes(counts: dict[str, int]) -> tuple[str, ...]:
    """The failure modes a cluster is about: those named by at least a quarter as many of its
    reports as the commonest. One report's stray word ("the frame cracked after the battery
    fire") must not make a battery-fire cluster compatible with every frame crack."""
    if not counts:
        return ()
    top = max(counts.values())
    return tuple(sorted(m for m, n in counts.items() if 4 * n >= top))


@dataclass(frozen=True, slots=True)
class Candidate:
    """What matching needs to know of a cluster: a compact summary kept per block."""

    cluster_id: str
    names: tuple[str, ...]
    product_terms: tuple[str, ...]
    brands: tuple[str, ...]
    hazard_class: str | None
    last_seen: datetime
    model_codes: tuple[str, ...] = ()
    hazard_modes: tuple[str, ...] = ()
    reports: int = 0  # members of every feed: breaks a tie between clusters (see ``link``)

    @classmethod
    def of(cls, cluster: Cluster) -> Candidate:
        """The summary of a full cluster."""
        return cls(
            cluster.cluster_id,
            cluster.names,
            cluster.product_terms,
            cluster.brands,
            cluster.hazard_class,
            cluster.last_seen,
            cluster.model_codes,
            main_modes(cluster.hazard_modes),
            sum(cluster.feed_counts.values()),
        )


@dataclass(frozen=True, slots=True)
class LinkDecision:
    """Which cluster a signal joins (or ``None``), the score, and the evidence for it."""

    cluster_id: str | None
    score: float
    reasons: dict[str, object] = field(default_factory=dict)
    brand_named: bool = False  # the signal names the cluster's brand (see ``link``'s ties)


@dataclass(frozen=True, slots=True)
class _Keys:
    """A signal's match keys, computed once per linkage decision."""

    name: str
    brand: str
    brands: tuple[str, ...]
    hazard: str | None
    terms: frozenset[str]
    about: str  # product name and text as one match key: where a brand may be named
    codes: frozenset[str]  # from the model field and the product name
    text_codes: frozenset[str]  # from the narrative: counted only when the above are empty
    modes: frozenset[str]

    @classmethod
    def of(cls, signal: Signal) -> _Keys:
        return cls(
            match_key(signal.product_name),
            match_key(signal.brand),
            brand_variants(signal.brand),
            signal.hazard_class,
            frozenset(signal.product_terms),
            match_key(f"{signal.product_name} {signal.text}"),
            model_codes(signal.model, signal.product_name),
            model_codes(None, signal.text),
            frozenset(signal.hazard_modes),
        )


# Failure modes that one event often shows together or that reporters name for one another:
# a battery that swells, smokes and bursts into flame; glass that shatters into sharp shards.
# Two reports whose modes are only related are not contradictory; only a shared mode confirms.
RELATED_MODES: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("fire_smoke", "explosion"),
        ("fire_smoke", "short_circuit"),
        ("fire_smoke", "melt"),
        ("fire_smoke", "battery_swell"),
        ("fire_smoke", "flammable"),
        ("explosion", "burst_shatter"),
        ("explosion", "battery_swell"),
        ("overheat", "melt"),
        ("overheat", "battery_swell"),
        ("burst_shatter", "breakage"),
        ("burst_shatter", "sharp_puncture"),
        ("breakage", "fold_collapse"),
        ("fold_collapse", "buckle_release"),  # a released lock lets a frame fold
        ("breakage", "buckle_release"),  # a handle whose screws came loose (松脱) or snapped
        ("breakage", "sharp_puncture"),
        ("tip_over", "no_cutoff"),
        ("electric_shock", "water_leak"),
        ("electric_shock", "short_circuit"),
        ("odour", "formaldehyde"),
        ("odour", "solvent"),
        ("odour", "mould"),
        ("odour", "spoilage"),
        ("mould", "spoilage"),
        # spoiled or contaminated food smells: an odour does not contradict a pathogen
        *(("odour", germ) for germ in ("salmonella", "listeria", "cronobacter", "vibrio")),
        *(("odour", germ) for germ in ("e_coli", "norovirus")),
        ("skin_reaction", "dye_transfer"),
    )
)


def modes_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two sets of failure modes can describe one hazard: they share or relate a mode."""
    if not a or not b or a & b:
        return True
    return any(frozenset((x, y)) in RELATED_MODES for x in a for y in b)


def _without(name: str, brands: tuple[str, ...]) -> str:
    """``name`` with the brands taken out: the brand is scored on its own, and "Fenwick牛肉干" is
    no more like "Fenwick冷冻虾仁" than beef jerky is like frozen shrimp."""
    for brand in brands:
        if brand and brand in name:
            name = name.replace(brand, "")
    return name or "-"


@lru_cache(maxsize=65536)
def _nameable(brands: tuple[str, ...]) -> tuple[str, ...]:
    """The brands long enough to count when named in free text (2+ Chinese characters, 3+
    letters); a cluster's brands are asked this for every signal that meets it."""
    return tuple(b for b in brands if len(b) >= (2 if all(is_cjk(c) for c in b) else 3))


def _named_in(brands: tuple[str, ...], about: str) -> bool:
    """Whether one of ``brands`` appears in ``about`` (2+ Chinese characters, 3+ letters)."""
    return any(b in about for b in _nameable(brands))


def _similarity(keys: _Keys, cluster: Candidate) -> LinkDecision:
    cluster_modes = frozenset(cluster.hazard_modes)
    shared_modes = keys.modes & cluster_modes
    if keys.modes and cluster_modes:
        if not modes_compatible(keys.modes, cluster_modes):
            return LinkDecision(None, 0.0, {"rejected": "failure mode differs"})
    elif keys.hazard and cluster.hazard_class and keys.hazard != cluster.hazard_class:
        return LinkDecision(None, 0.0, {"rejected": "hazard class differs"})
    brand = brands_agree(keys.brands, cluster.brands)
    if brand is False:
        return LinkDecision(None, 0.0, {"rejected": "brand differs"})
    if brand is None and _named_in(cluster.brands, keys.about):
        brand = True
    codes = frozenset(cluster.model_codes)
    model = codes_agree(keys.codes, codes)
    if model is False:
        return LinkDecision(None, 0.0, {"rejected": "model differs"})
    if model is None:
        model = codes_agree(keys.text_codes, codes)
        if model is False:
            return LinkDecision(None, 0.0, {"rejected": "model named in the text differs"})
    brands = (*keys.brands, keys.brand, *cluster.brands)
    name = _without(keys.name, brands)
    name_score = max(
        (fuzz.WRatio(name, _without(n, brands), processor=None) for n in cluster.names),
        default=0.0,
    )
    shared_terms = keys.terms.intersection(cluster.product_terms)
    if shared_terms:
        name_score = max(name_score, TERM_SCORE)
    bonus = 15.0 * bool(model) + 10.0 * bool(brand) + 10.0 * bool(shared_modes)
    score = name_score + bonus  # not capped: two clusters alike in name differ in the evidence
    reasons: dict[str, object] = {"name": round(name_score, 1), "bonus": bonus}
    if shared_terms:
        reasons["terms"] = sorted(shared_terms)
    if shared_modes:
        reasons["modes"] = sorted(shared_modes)
    return LinkDecision(cluster.cluster_id, score, reasons, bool(brand))


def _names_like(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    return max((fuzz.ratio(x, y) for x in a for y in b), default=0.0)


def clusters_compatible(a: Candidate, b: Candidate) -> bool:
    """Whether two clusters can be one risk: the same kind of product (a shared product term;
    when one has none, the same model code or names alike) and no brand, model code or failure
    mode that contradicts. A brand's frozen shrimp and its chocolate are two risks, however many
    reports name only the brand."""
    codes = codes_agree(frozenset(a.model_codes), frozenset(b.model_codes))
    if codes is False or brands_agree(a.brands, b.brands) is False:
        return False
    if a.product_terms and b.product_terms:
        if not set(a.product_terms) & set(b.product_terms):
            return False
    elif not codes and _names_like(a.names, b.names) < MERGE_NAMES:
        return False  # neither a catalogue term nor a model code: the names must be alike
    return modes_compatible(frozenset(a.hazard_modes), frozenset(b.hazard_modes))


def _index_keys(
    codes: Iterable[str], brands: Iterable[str], terms: Iterable[str], names: Iterable[str]
) -> tuple[str, ...]:
    """Keys of the candidate index, most telling first: model codes, brands by sound (so that
    "郎菲" finds "朗菲"), product terms (the same in Chinese and English), then the first two
    characters of each name with the brands taken out, for reports that give nothing else."""
    brand_list = [b for b in brands if b]
    keys = [f"m:{c.upper().translate(MISREAD)}" for c in sorted(codes)]
    keys += [f"b:{sound_key(b) or b}" for b in brand_list]
    keys += [f"t:{t}" for t in sorted(terms)]
    keys += [f"n:{_without(n, tuple(brand_list))[:2]}" for n in names if n]
    return tuple(dict.fromkeys(keys))[:MAX_KEYS]


def signal_keys(signal: Signal) -> tuple[str, ...]:
    """Where a signal looks for its candidate clusters within its block (see ``candidate_keys``).

    A block (one category) can hold thousands of live clusters; comparing a signal with all of
    them would make linkage cost grow with history. A cluster that shares none of these keys
    with a signal (no model code, brand, product term or name prefix) could not score above
    the threshold anyway.
    """
    keys = _Keys.of(signal)
    brands = (keys.brand, *keys.brands)
    return _index_keys(keys.codes, brands, keys.terms, (keys.name,))


def candidate_keys(cluster: Candidate) -> tuple[str, ...]:
    """Where a cluster is filed in the candidate index: the keys of what its members said."""
    return _index_keys(cluster.model_codes, cluster.brands, cluster.product_terms, cluster.names)


def similarity(signal: Signal, cluster: Candidate) -> LinkDecision:
    """Score one signal against one cluster; a contradiction scores 0 with its reason."""
    return _similarity(_Keys.of(signal), cluster)


def _brands_named(about: str, candidates: Iterable[Candidate]) -> tuple[str, ...]:
    """The candidates' brands that a report with no brand field names in its name or text.

    A listing titled "2026 朗菲电褥子 智能定时" is a 朗菲 product: with its brand read this way it
    agrees with the 朗菲 cluster and contradicts a 托雅 cluster whose names look the same.
    """
    named: list[str] = []
    for cluster in candidates:
        if _named_in(cluster.brands, about):
            named += [b for b in cluster.brands if b not in named]
    return tuple(named)


def link(
    signal: Signal, candidates: Iterable[Candidate], threshold: float = NAME_THRESHOLD
) -> LinkDecision:
    """The best live candidate cluster for ``signal`` at or above ``threshold``, if any.

    Of clusters that score the same, the one with more reports wins when the signal names their
    brand: a report of a brand's laptop that names no failure mode is about the product, and
    joins its main cluster instead of whichever of its clusters was touched last. When the brand
    is not known, size says nothing about which product it is, and the newest cluster wins.

    ``reasons["also"]`` lists the other clusters that scored at or above ``threshold``, best
    first (at most ``MAX_ALSO``): the candidates for a merge.
    """
    horizon = signal.event_time - WINDOW
    keys = _Keys.of(signal)
    live = [c for c in candidates if c.last_seen >= horizon]
    if not keys.brands:
        keys = replace(keys, brands=_brands_named(keys.about, live))
    best = LinkDecision(None, 0.0)
    best_tie = -1
    also: list[tuple[float, str]] = []
    for cluster in live:  # newest first
        decision = _similarity(keys, cluster)
        if decision.cluster_id and decision.score >= threshold:
            also.append((decision.score, decision.cluster_id))
        tie = cluster.reports if decision.brand_named else -1
        if decision.cluster_id and (decision.score, tie) > (best.score, best_tie):
            best, best_tie = decision, tie
    reasons = {**best.reasons, "threshold": threshold}
    if best.score < threshold:
        return LinkDecision(None, best.score, reasons)
    others = [cid for _, cid in sorted(also, reverse=True) if cid != best.cluster_id][:MAX_ALSO]
    if others:
        reasons["also"] = others
    return LinkDecision(best.cluster_id, best.score, reasons)


def cluster_id_for(signal: Signal) -> str:
    """Deterministic cluster id from the founding signal, so a replay rebuilds the same id."""
    digest = hashlib.blake2b(signal.signal_id.encode(), digest_size=6).hexdigest()
    return f"K-{digest}"
