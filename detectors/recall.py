"""Recall effectiveness: a recalled or banned product that comes back after its warning ended.

Why: lifting a warning ends its measures, not the product's risk. A warning whose measures took
the goods off the market (a defect recall, an import ban, suspended sales, seizure, return or
destruction) expects them to stay off it; when the same product is declared for import again
or listed for sale again after the lift, the recall did not hold, and that is a risk signal of
its own (DOMAIN.md: recall effectiveness). The product is recognised by linkage, as every signal
is (brand, model codes, product terms: not a word list), so the evidence is simply the cluster's
declarations and listings counted past those it had when the warning was lifted.
"""

from __future__ import annotations

from collections.abc import Mapping

from schemas.records import Cluster, Warning

__all__ = ["EXPOSURE_FEEDS", "OFF_MARKET_MEASURES", "reappearance", "took_goods_off_market"]

# Measures (detectors.standard) that take the goods off the market or keep them out.
OFF_MARKET_MEASURES = frozenset(
    {
        "defect recall",
        "ban import",
        "suspend sales",
        "seal up and detain",
        "return shipment or destroy",
        "producers and operators to suspend sales",
    }
)

# Feeds that say goods are moving or on sale (not that they are unsafe: detectors.evidence).
EXPOSURE_FEEDS = ("declarations", "listings")


def took_goods_off_market(warning: Warning) -> bool:
    """Whether ``warning``'s measures took its goods off the market."""
    return bool(OFF_MARKET_MEASURES.intersection(warning.measures))


def reappearance(ended: Warning, at_lift: Mapping[str, int], cluster: Cluster) -> dict[str, int]:
    """The declarations and listings ``cluster`` gained since ``ended`` (its warning, lifted
    after measures that took the goods off the market) was lifted with the cluster's counts
    ``at_lift``; empty when nothing came back, or when the warning did not end that way (merged
    into another, rejected as a candidate, or lifted without counts to compare with)."""
    if ended.status != "lifted" or ended.state != "lifted" or ended.change == "merged":
        return {}
    if not at_lift or not took_goods_off_market(ended):
        return {}
    grown = {
        feed: cluster.feed_counts.get(feed, 0) - at_lift.get(feed, 0) for feed in EXPOSURE_FEEDS
    }
    return {feed: n for feed, n in grown.items() if n > 0}
