"""Which signals are evidence of a risk, as opposed to context about the goods.

A customs declaration says goods moved, not that they are unsafe (unless a blacklisted
enterprise moved them: a serious violator's goods are a risk of their own); a listing says goods are
sold, unless monitoring flagged it; a complaint about late delivery is not a safety complaint.
Such signals still join clusters (they give scope and port targeting its terms) but are not
counted as evidence when deciding whether, and how urgently, to warn.
"""

from __future__ import annotations

from schemas.records import Signal

__all__ = ["BLACKLISTED", "RISK_FLAGS", "is_risk_evidence"]

# a declaration line whose consignee is on the quality-safety blacklist (detectors.targeting)
BLACKLISTED = "blacklisted_enterprise"

RISK_FLAGS = frozenset(
    {"counterfeit", "no_ccc_mark", "recalled", "unsafe", "substandard", "fake_certificate"}
)


def is_risk_evidence(signal: Signal) -> bool:
    """Whether ``signal`` reports a quality-safety risk."""
    if signal.is_declaration:  # goods moved; by a serious violator, that is a risk in itself
        return BLACKLISTED in signal.flags
    if signal.feed in ("injuries", "foodborne"):
        return True
    if signal.feed == "listings":
        return bool(RISK_FLAGS.intersection(signal.flags))
    return signal.hazard_class is not None
