"""Near duplicates: the same report arriving again in other words or through another channel.

A consumer calls the hotline and also files online; a shop re-posts a listing with a new title;
a hospital and a complaint describe the same injury. Exact fingerprints miss these, so each
signal is compared with a small candidate set of recent reports and the decision is explained:
which fields agreed, their scores, the combined score and the threshold.

* **Blocking.** A signal's candidates are the recent reports sharing one of its blocking keys
  (category with product term, brand, model, province, start of the product name; see
  :func:`blocking_keys`), at most ``MAX_PER_BLOCK`` most recent per key and none older than
  ``WINDOW``. The cost per signal is bounded by these two constants, whatever the history;
  and since full lists give hundreds of candidates, most are ruled out without being scored:
  a copy ends the search, and a candidate whose score cannot beat the best so far is skipped
  (:func:`best_match`, the same verdict as scoring them all).
* **Score (0-100).** A logistic model over :func:`pair_features`: text similarity on the
  narrative (rapidfuzz and character bigrams, so Chinese needs no word segmentation), the
  numbers and dates both texts quote, product-name similarity, and agreement (+1), conflict (-1)
  or silence (0) of brand, model, enterprise, region, hazard and outcome, and for a shop's own
  listings whether the page attributes were copied (a re-post). Weights and threshold
  are fitted on the calibration part of the labelled set (``riskwire eval dedup --write``) and
  stored in ``detectors/data/matcher.json``; each feature's contribution is the explanation.
* **Contradictions.** Two reports naming different model codes, or product types with no term
  in common, are rejected before scoring (:func:`other_product`): no wording makes them one
  event, and the labelled set is too small to teach a weight for such rare pairs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any, overload

from rapidfuzz import fuzz

from detectors.brands import BRAND_SAME, brand_variants, brands_agree
from detectors.event_identity import (
    ages,
    agreement,
    codes_agree,
    event_dates,
    model_codes,
    overlap,
    places,
    quotes,
    sexes,
)
from detectors.expiring import Entry, ExpiringIndex
from detectors.regions import compatible as regions_compatible
from detectors.regions import region_key
from detectors.text import match_key, narrative, quoted_numbers
from schemas.records import Signal

__all__ = [
    "BANDS",
    "MAX_PER_BLOCK",
    "ROWS",
    "SHINGLE",
    "WINDOW",
    "Match",
    "NearDupIndex",
    "NearVerdict",
    "ReportKey",
    "blocking_keys",
    "compare",
    "matcher_config",
    "other_product",
    "pair_features",
    "text_bands",
]

WINDOW = timedelta(days=14)
MAX_PER_BLOCK = 64
TEXT_CHARS = 400
# Text retrieval (MinHash LSH over character 3-grams of the folded narrative): BANDS bands of
# ROWS hashes each. Two texts of 3-gram Jaccard similarity s share a band with probability
# 1 - (1 - s**ROWS)**BANDS: at s = 0.5 a copy is missed with probability 0.75**20 = 0.3%, at
# s = 0.6 with 0.01%, however many other reports of the product came between.
BANDS = 20
ROWS = 2
SHINGLE = 3
# Texts at least this long (characters of the folded narrative) whose bigrams are this much
# contained in each other, both ways round by partial match, are one text: a copy, whatever
# the side facts say (a re-send does not re-state them).
ONE_TEXT = 0.9
ONE_TEXT_CHARS = 16
IDENTIFYING = ("age", "sex", "dates", "region", "enterprise", "outcome")


@cache
def matcher_config() -> dict[str, Any]:
    """Calibrated thresholds (duplicate, link) and how they were obtained."""
    raw = resources.files("detectors").joinpath("data/matcher.json").read_text("utf-8")
    config: dict[str, Any] = json.loads(raw)
    return config


@dataclass(frozen=True, slots=True)
class ReportKey:
    """What comparing needs of a signal, computed once: the index stores these, not signals."""

    signal_id: str
    feed: str
    day: float  # event time in days since the epoch
    text: str
    name: str
    brands: tuple[str, ...]
    model: str
    enterprise: str
    region: str
    hazard: str | None
    terms: tuple[str, ...]
    category: str
    numbers: frozenset[str]
    outcome: str
    counts: tuple[int, int, int]
    language: str = "zh"
    dates: frozenset[str] = frozenset()
    ages: frozenset[int] = frozenset()
    sexes: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    quotes: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    platform: str = ""
    city: str = ""
    duplicate_of: str | None = None  # the verdict given when it was filed, for replays
    # a listing's page attributes as written (brand, model, ship-from region, flags, origin):
    # a re-post copies the page, another listing of the same shop is filled in again
    form: tuple[str, ...] = ()
    candidates: int = 0  # how many reports it was compared with when filed, for replays

    def to_row(self) -> list[Any]:
        """A compact JSON form (values in field order) for the changelog-backed block lists."""
        return [
            sorted(v) if isinstance(v, frozenset) else v
            for v in (getattr(self, f.name) for f in fields(self))
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> ReportKey:
        """The inverse of :meth:`to_row`; a row stored before a field was added gets its default."""
        if len(row) > len(fields(cls)):
            raise ValueError(f"a report key row has {len(row)} values, more than its fields")
        values: dict[str, Any] = {}
        for f, v in zip(fields(cls), row, strict=False):
            if f.name in _SET_FIELDS:
                v = frozenset(v)
            elif f.name in _TUPLE_FIELDS:
                v = tuple(v)
            values[f.name] = v
        return cls(**values)

    @classmethod
    def of(cls, signal: Signal) -> ReportKey:
        """The key of a signal."""
        return cls(
            signal_id=signal.signal_id,
            feed=signal.feed,
            day=signal.event_time.timestamp() / 86400.0,
            text=match_key(narrative(signal.text))[:TEXT_CHARS],
            name=match_key(signal.product_name),
            brands=brand_variants(signal.brand),
            model=match_key(signal.model),
            enterprise=signal.enterprise_uscc or match_key(signal.enterprise_name),
            region=signal.region or "",
            hazard=signal.hazard_class,
            terms=signal.product_terms,
            category=signal.category or "uncategorised",
            numbers=quoted_numbers(signal.text),
            outcome=signal.outcome,
            counts=(signal.cases, signal.hospitalised, signal.deaths),
            language=signal.language,
            dates=event_dates(signal.text, signal.incident_date),
            ages=ages(signal.text, signal.person_age),
            sexes=sexes(signal.text),
            places=places(signal.platform, signal.text)
            if signal.feed != "listings"
            else frozenset(),
            quotes=quotes(signal.text),
            codes=model_codes(signal.model, signal.product_name, signal.text),
            platform=signal.platform or "",
            city=region_key(signal.region)[1],
            form=_listing_form(signal),
        )


def _listing_form(signal: Signal) -> tuple[str, ...]:
    if signal.feed != "listings":
        return ()
    return (
        signal.brand or "",
        signal.model or "",
        signal.region or "",
        ",".join(signal.flags),
        signal.origin_country or "",
    )


def _form_copied(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Every page attribute written identically: a copy. Attributes one at a time say little,
    since a shop fills in its own brand and region alike on every listing."""
    return bool(a) and a == b


_SET_FIELDS = {"numbers", "dates", "ages", "sexes", "places", "quotes", "codes"}
_TUPLE_FIELDS = {"brands", "terms", "counts", "form"}


@dataclass(frozen=True, slots=True)
class Match:
    """A comparison of two reports: the combined score, each field's part, and the verdict."""

    other: str
    score: float
    fields: dict[str, object] = field(default_factory=dict)
    rejected: str | None = None

    def explain(self, threshold: float) -> dict[str, object]:
        """The explanation a user sees: fields, score, threshold, and why it was rejected."""
        out: dict[str, object] = {"candidate": self.other, "score": round(self.score, 1)}
        out["threshold"] = threshold
        out["fields"] = self.fields
        if self.rejected:
            out["rejected"] = self.rejected
        return out


def _enterprises_agree(a: str, b: str) -> bool | None:
    if not a or not b or (len(a) == 18) != (len(b) == 18):
        return None  # a credit code and a name cannot be compared
    return a == b or (len(a) != 18 and fuzz.ratio(a, b) >= BRAND_SAME)


@lru_cache(maxsize=16)
def _bigrams(text: str) -> frozenset[str]:
    """A text's character bigrams; cached for the few texts in hand, above all the signal being
    checked, which meets every one of its candidates."""
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


@lru_cache(maxsize=65536)
def _regions_compatible(a: str, b: str) -> bool | None:
    """:func:`detectors.regions.compatible`, cached: few region texts, read again per pair."""
    return regions_compatible(a, b)


def blocking_keys(signal: Signal) -> list[str]:
    """The keys under which a signal's candidates are found (and it is filed).

    Product term, and - since a term can be missing or wrong - brand, model, province and
    the start of the product name, each on its own; all within the signal's partition
    (:func:`detectors.linkage.block_key`, its category), so that in the pipeline every
    candidate of a signal is held by the worker that owns the signal's partition.
    """
    part = signal.category or "uncategorised"  # = detectors.linkage.block_key (no cycle)
    keys = [f"t:{t}" for t in signal.product_terms]
    keys += [f"b:{b}" for b in brand_variants(signal.brand)]
    model = match_key(signal.model)
    if model:
        keys.append(f"m:{model}")
    province = region_key(signal.region)[0]
    if province:
        keys.append(f"p:{province}")
    name = match_key(signal.product_name)
    if name:
        keys.append(f"n:{name[:4]}")
    keys += text_bands(match_key(narrative(signal.text))[:TEXT_CHARS])
    return [f"{part}|{k}" for k in keys] or [f"{part}|none"]


@cache
def _seeds() -> Any:
    import random

    import numpy as np

    rng = random.Random(20261207)  # fixed: the bands of a text are the same in every process
    return np.array([rng.getrandbits(64) for _ in range(BANDS * ROWS)], dtype=np.uint64)[:, None]


def _mix(x: Any) -> Any:
    """SplitMix64's finaliser, one hash function per seed (uint64 arithmetic wraps)."""
    import numpy as np

    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def text_bands(text: str) -> list[str]:
    """The LSH band keys of a folded text (none for a text shorter than ONE_TEXT_CHARS)."""
    import zlib

    import numpy as np

    if len(text) < ONE_TEXT_CHARS:
        return []
    shingles = {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}
    hashed = np.fromiter((zlib.crc32(g.encode()) for g in shingles), dtype=np.uint64)
    signature = _mix(hashed[None, :] ^ _seeds()).min(axis=1)
    return [
        f"h{band}:{zlib.crc32(signature[band * ROWS : (band + 1) * ROWS].tobytes()):08x}"
        for band in range(BANDS)
    ]


def _tri(verdict: bool | None) -> float:
    return 0.0 if verdict is None else (1.0 if verdict else -1.0)


FEATURES = (
    "text_edit",
    "text_contain",
    "text_partial",
    "name",
    "numbers",
    "brand",
    "model",
    "enterprise",
    "region",
    "same_city",
    "hazard",
    "outcome",
    "outcome_cross_feed",
    "same_feed",
    "same_listing_shop",
    "listing_form",
    "listing_other_platform",
    "days_apart",
    "cross_language",
    "dates",
    "dates_shared",
    "age",
    "sex",
    "place",
    "quotes",
)


def pair_features(a: ReportKey, b: ReportKey) -> dict[str, float]:
    """What the duplicate model weighs: similarities in 0-1, agreements as +1 / -1 / 0 (unknown).

    ``numbers`` is the overlap of the numbers the two texts quote (dates, ages, prices, counts):
    two people using the same words rarely quote the same numbers, one person re-telling
    an event does.
    """
    known = _side_features(a, b)
    known.update(_text_features(a, b))
    return {name: known[name] for name in FEATURES}  # in FEATURES order: the logit's sum order


TEXT_FEATURES = ("text_edit", "text_contain", "text_partial")


def _both_text(a: ReportKey, b: ReportKey) -> bool:
    """Whether the narratives can be compared: text compared across languages says nothing;
    the identifying details still do."""
    return bool(a.text and b.text) and a.language == b.language


def _contain(a: ReportKey, b: ReportKey) -> float:
    """How much of the smaller bigram set of the two narratives the other holds (0 to 1)."""
    if not _both_text(a, b):
        return 0.0
    ga, gb = _bigrams(a.text), _bigrams(b.text)
    return len(ga & gb) / min(len(ga), len(gb)) if ga and gb else 0.0


def _text_features(a: ReportKey, b: ReportKey) -> dict[str, float]:
    """The narrative similarities: the costly part of :func:`pair_features`."""
    both_text = _both_text(a, b)
    return {
        "text_edit": fuzz.WRatio(a.text, b.text, processor=None) / 100 if both_text else 0.0,
        "text_contain": _contain(a, b),
        "text_partial": (
            fuzz.partial_ratio(a.text, b.text, processor=None) / 100 if both_text else 0.0
        ),
    }


def _side_features(a: ReportKey, b: ReportKey) -> dict[str, float]:
    """Every feature of :func:`pair_features` but the narrative similarities."""
    union = a.numbers | b.numbers
    same_feed = a.feed == b.feed
    listings = same_feed and a.feed == "listings"
    same_shop = _enterprises_agree(a.enterprise, b.enterprise) is True
    # a shop re-posting its own listing: same shop on the same platform, title rewritten;
    # the same shop name on another platform is another account's listing
    own_listings = listings and same_shop and a.platform == b.platform
    return {
        "name": fuzz.WRatio(a.name, b.name, processor=None) / 100 if a.name and b.name else 0.0,
        "numbers": len(a.numbers & b.numbers) / len(union) if union else 0.0,
        "brand": _tri(brands_agree(a.brands, b.brands)),
        "model": _tri(codes_agree(a.codes, b.codes)),
        "enterprise": _tri(_enterprises_agree(a.enterprise, b.enterprise)),
        "region": _tri(_regions_compatible(a.region, b.region)),
        # a shared city says far more than a shared province
        "same_city": float(bool(a.city) and a.city == b.city),
        "hazard": _tri(None if not a.hazard or not b.hazard else a.hazard == b.hazard),
        # outcome and case counts mean the same across one feed only: a surveillance report
        # counts a household, a complaint one consumer's account of it
        "outcome": _tri(a.outcome == b.outcome and a.counts == b.counts) if same_feed else 0.0,
        "outcome_cross_feed": 0.0 if same_feed else _tri(a.outcome == b.outcome),
        "same_feed": float(same_feed),
        "same_listing_shop": float(own_listings),
        "listing_form": float(own_listings and _form_copied(a.form, b.form)),
        "listing_other_platform": float(listings and a.platform != b.platform),
        "days_apart": abs(a.day - b.day) / WINDOW.days,
        "cross_language": float(a.language != b.language),
        "dates": agreement(a.dates, b.dates),
        "dates_shared": overlap(a.dates, b.dates),
        "age": agreement(a.ages, b.ages),
        "sex": agreement(a.sexes, b.sexes),
        "place": agreement(a.places, b.places),
        "quotes": overlap(a.quotes, b.quotes),
    }


@lru_cache(maxsize=65536)
def _field_codes(model: str) -> frozenset[str]:
    return model_codes(model)


def other_product(a: ReportKey, b: ReportKey) -> str | None:
    """Why two reports cannot be of one event: each names its model and the codes differ, or
    each names a product type and they share none. One event is one product; a retelling may
    word everything else anew, but it does not change the model or the kind of product."""
    if a.model and b.model and codes_agree(_field_codes(a.model), _field_codes(b.model)) is False:
        return "other model"
    if a.terms and b.terms and not set(a.terms) & set(b.terms):
        return "other product"
    return None


def compare(a: ReportKey, b: ReportKey) -> Match:
    """Score report ``a`` against an earlier report ``b`` (0-100, a calibrated probability).

    The score is a logistic model over :func:`pair_features`, fitted on the calibration part
    of the labelled set (``riskwire eval dedup --write``); each field's contribution to the
    log-odds is the explanation.
    """
    days = abs(a.day - b.day)
    if days > WINDOW.days:
        return Match(b.signal_id, 0.0, {"days_apart": round(days, 1)}, "too far apart")
    contradiction = other_product(a, b)
    if contradiction:
        return Match(b.signal_id, 0.0, {"days_apart": round(days, 2)}, contradiction)
    features = pair_features(a, b)
    one_text = _one_text(a, b, features)
    model = matcher_config()["duplicate_model"]
    weights: dict[str, float] = model["weights"]
    contributions = {k: weights.get(k, 0.0) * v for k, v in features.items()}
    logit = float(model["intercept"]) + sum(contributions.values())
    score = 100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))
    fields: dict[str, object] = {
        k: {"value": round(features[k], 3), "contribution": round(c, 2)}
        for k, c in contributions.items()
        if c
    }
    fields["days_apart"] = round(days, 2)
    if one_text:  # the same text: a copy, whatever the side facts say
        score = max(score, 100.0 * min(features["text_contain"], features["text_partial"]))
        fields["one_text"] = True
    return Match(b.signal_id, score, fields)


def _one_text(a: ReportKey, b: ReportKey, features: dict[str, float]) -> bool:
    """Whether two reports carry one text (a copy: re-sent, re-punctuated, truncated,
    prefixed, in the other script): long enough not to be a stock phrase, each one's wording
    found in the other, and no stated detail of the person, day or place in conflict."""
    return (
        min(len(a.text), len(b.text)) >= ONE_TEXT_CHARS
        and features["text_contain"] >= ONE_TEXT
        and features["text_partial"] >= ONE_TEXT
        # a copy does not change who, when or where: stated details that conflict make two
        # reports told alike by two people (stock wording), not one text sent twice
        and min(features[k] for k in IDENTIFYING) >= 0
    )


@dataclass(frozen=True, slots=True)
class NearVerdict:
    """The best earlier report a signal may repeat, and whether it crosses the threshold."""

    duplicate_of: str | None
    best: Match | None
    threshold: float
    candidates: int

    def explain(self) -> dict[str, object] | None:
        """The match explanation, or ``None`` when there was no candidate at all."""
        if self.best is None:
            return None
        return {**self.best.explain(self.threshold), "candidates": self.candidates}


class _Filed(Sequence[ReportKey]):
    """Filed report keys by id, in a given order, each read when it is reached."""

    def __init__(self, entries: Mapping[str, Entry[ReportKey]], ids: list[str]) -> None:
        self._entries = entries
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, at: int) -> ReportKey: ...

    @overload
    def __getitem__(self, at: slice) -> list[ReportKey]: ...

    def __getitem__(self, at: int | slice) -> ReportKey | list[ReportKey]:
        if isinstance(at, slice):
            return [self._entries[i].value for i in self._ids[at]]
        return self._entries[self._ids[at]].value

    def __iter__(self) -> Iterator[ReportKey]:
        entries = self._entries
        return (entries[i].value for i in self._ids)


def _split(blocks: Iterable[str]) -> tuple[str, list[str]]:
    """A signal's blocking keys as (its partition's part, the keys within it)."""
    names = list(blocks)
    return names[0].split("|", 1)[0], [name.split("|", 1)[1] for name in names]


class NearDupIndex:
    """Recent report keys by blocking key: the ``per_block`` newest per key, none older than
    ``WINDOW`` before the newest report checked in its category.

    Held in an :class:`detectors.expiring.ExpiringIndex` over ``store``: a dict by default
    (``riskwire dedup``, evaluations, the bench), a changelog-backed table in the pipeline, so
    that filing a report writes one value and a restarted worker rebuilds the lists from the
    recovered table (call :meth:`invalidate` after a recovery).

    A signal already filed (a replay after a crash) gets the verdict it got the first time.
    """

    def __init__(
        self,
        threshold: float | None = None,
        per_block: int = MAX_PER_BLOCK,
        store: MutableMapping[str, bytes] | None = None,
    ) -> None:
        self.threshold = (
            float(matcher_config()["duplicate_threshold"]) if threshold is None else threshold
        )
        self.per_block = per_block
        self.store: MutableMapping[str, bytes] = {} if store is None else store
        self.index: ExpiringIndex[ReportKey] = ExpiringIndex(
            self.store,
            "n",
            window=float(WINDOW.days),
            per_key=per_block,
            encode=ReportKey.to_row,
            decode=ReportKey.from_row,
        )

    def candidates(self, blocks: Iterable[str], key: ReportKey) -> list[ReportKey]:
        """Distinct recent reports filed under any of ``blocks``, oldest first per block."""
        return list(self._candidates(blocks, key))

    def _candidates(self, blocks: Iterable[str], key: ReportKey) -> _Filed:
        """:meth:`candidates`, each read from the index only when the matcher reaches it."""
        part, keys = _split(blocks)
        ids = self.index.lookup_ids(part, keys, newest_first=False)
        if key.signal_id in ids:
            ids.remove(key.signal_id)
        return _Filed(self.index.entries(part), ids)

    def check(self, signal: Signal, add: bool = True) -> NearVerdict:
        """Compare ``signal`` with its candidates; file it unless ``add`` is false."""
        key = ReportKey.of(signal)
        blocks = blocking_keys(signal)
        part, keys = _split(blocks)
        self.index.expire(part, key.day)
        filed = self.index.get(part, key.signal_id)
        if filed is not None:  # a replay: the first verdict stands
            return self._verdict_again(part, filed.value, key)
        verdict = best_match(key, self._candidates(blocks, key), self.threshold)
        if add:
            filed_key = replace(
                key, duplicate_of=verdict.duplicate_of, candidates=verdict.candidates
            )
            self.index.put(part, key.signal_id, key.day, keys, filed_key)
        return verdict

    def filed_verdict(self, signal: Signal) -> NearVerdict | None:
        """The verdict ``signal`` got when it was filed (``None``: never filed), without
        filing anything: for a report re-sent under its own id, which must get the same
        duplicate record as its first reading."""
        key = ReportKey.of(signal)
        part, _ = _split(blocking_keys(signal))
        filed = self.index.get(part, key.signal_id)
        return self._verdict_again(part, filed.value, key) if filed is not None else None

    def _verdict_again(self, part: str, filed: ReportKey, key: ReportKey) -> NearVerdict:
        """The verdict given when ``key`` was filed, explained as it was then: the match with
        its original is a pure function of the two reports, so a re-read after a crash gives
        the same duplicate record byte for byte."""
        original = self.index.get(part, filed.duplicate_of) if filed.duplicate_of else None
        match = compare(key, original.value) if original is not None else None
        return NearVerdict(filed.duplicate_of, match, self.threshold, filed.candidates)

    def add(self, blocks: Iterable[str], key: ReportKey) -> None:
        """File ``key`` under ``blocks`` (forgetting what left the window by its day)."""
        part, keys = _split(blocks)
        self.index.expire(part, key.day)
        self.index.put(part, key.signal_id, key.day, keys, key)

    def invalidate(self) -> None:
        """The store changed underneath (a recovery): rebuild the lists on next use."""
        self.index.invalidate()

    def __len__(self) -> int:
        return len(self.index)


def best_match(key: ReportKey, candidates: Iterable[ReportKey], threshold: float) -> NearVerdict:
    """The highest-scoring candidate, the first of equals; a duplicate when it reaches
    ``threshold``.

    The verdict and its explanation are those of comparing every candidate in turn, at a
    fraction of the cost, since most candidates provably cannot win (at full lists a signal
    has hundreds): a copy found first ends the search (:func:`_first_copy`), and otherwise a
    candidate is compared in full only when a cheap upper bound of its score beats the best so
    far (:func:`_may_beat`).
    """
    others = candidates if isinstance(candidates, Sequence) else list(candidates)
    best = _first_copy(key, others)
    if best is None:
        for other in others:
            if best is not None and not _may_beat(key, other, best.score):
                continue
            match = compare(key, other)
            if best is None or match.score > best.score:
                best = match
    if best is not None and best.rejected is None and best.score >= threshold:
        return NearVerdict(best.other, best, threshold, len(others))
    return NearVerdict(None, best, threshold, len(others))


MAX_SCORE = 100.0


def _first_copy(key: ReportKey, others: Iterable[ReportKey]) -> Match | None:
    """The first candidate scoring the highest possible score, :data:`MAX_SCORE` (then no later
    one can win, and no earlier one scores as much), or ``None`` when there is none.

    A score of 100 is one text (:func:`_one_text`) whose shorter narrative is contained whole
    in the other (``text_partial`` of 1), since the model alone stays below 100
    (:func:`_model_below_max`); so only candidates passing that substring test, a quick one,
    are compared here.
    """
    if not _model_below_max():
        return None
    for other in others:
        if not _both_text(key, other):
            continue
        short, long = sorted((key.text, other.text), key=len)
        if len(short) >= ONE_TEXT_CHARS and short in long:
            match = compare(key, other)
            if match.score >= MAX_SCORE:
                return match
    return None


@cache
def _model_below_max() -> bool:
    """Whether the logistic model's score stays below 100.0 in floating point for any pair:
    every feature lies in [-1, 1], so the log-odds are at most the intercept plus the sum of
    the weights' sizes, and 100 / (1 + e^-30) is still below 100.0."""
    model = matcher_config()["duplicate_model"]
    most = float(model["intercept"]) + sum(abs(float(w)) for w in model["weights"].values())
    return most <= 30.0


def _may_beat(a: ReportKey, b: ReportKey, floor: float) -> bool:
    """Whether ``compare(a, b)`` can score above ``floor``: an upper bound of its score, from the
    features but the costly narrative similarities (each of those at its most), then, if still
    needed, with the bigram containment computed too."""
    days = abs(a.day - b.day)
    if days > WINDOW.days or other_product(a, b):
        return False  # rejected: scores 0
    model = matcher_config()["duplicate_model"]
    weights: dict[str, float] = model["weights"]
    features = _side_features(a, b)
    logit = float(model["intercept"]) + sum(weights.get(k, 0.0) * v for k, v in features.items())
    # the narrative similarities lie in [0, 1], and are 0 when the texts cannot be compared
    text_most = {k: max(0.0, weights.get(k, 0.0)) for k in TEXT_FEATURES}
    if not _both_text(a, b):
        text_most = dict.fromkeys(TEXT_FEATURES, 0.0)
    copy_possible = min(len(a.text), len(b.text)) >= ONE_TEXT_CHARS and all(
        features[k] >= 0 for k in IDENTIFYING
    )
    if not copy_possible and _score_at_most(logit + sum(text_most.values())) <= floor:
        return False
    contain = _contain(a, b)
    text_most["text_contain"] = weights.get("text_contain", 0.0) * contain
    if _score_at_most(logit + sum(text_most.values())) > floor:
        return True
    # one text scores 100 * min(text_contain, text_partial) at most
    return copy_possible and contain >= ONE_TEXT and 100.0 * contain > floor


def _score_at_most(logit: float) -> float:
    """The score of ``logit``, a hair high: sums taken in another order round differently."""
    return 100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit + 1e-9))))
