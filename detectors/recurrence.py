"""Recurrence: a new warning that repeats an earlier one (DOMAIN.md section 5: follow-ups).

Why: a risk that comes back is worse news than a new one - the earlier measures did not hold -
and an analyst should see the earlier warning, its grade and its evidence at once. A warning
repeats an earlier one when it names one of the same enterprises, or when it is the same
hazard class in the same product category from the same foreign origin (imported goods of one
origin failing the same way again); a cluster raised again after its warning was lifted repeats
its own warning. A shared hazard class alone (every physical risk) or a shared region is not
enough: many unrelated risks share those.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemas.records import Warning

__all__ = ["MAX_LINKS", "recurrence", "recurrences"]

MAX_LINKS = 5  # earlier warnings named on one version, most recent first


def recurrence(new: Warning, earlier: Warning, home_country: str) -> str | None:
    """Why ``new`` repeats ``earlier``, or ``None`` when it does not."""
    if earlier.warning_id == new.warning_id:
        return f"the same cluster again after {earlier.warning_id} was {earlier.state}"
    shared = sorted(set(new.enterprises) & set(earlier.enterprises))
    if shared:
        return f"the same enterprise {', '.join(shared)} as {earlier.warning_id}"
    same_hazard = new.hazard_class is not None and new.hazard_class == earlier.hazard_class
    if same_hazard and new.category is not None and new.category == earlier.category:
        origins = sorted((set(new.origins) & set(earlier.origins)) - {home_country})
        if origins:
            return (
                f"{new.hazard_class} risk in {new.category} from {', '.join(origins)} again, as "
                f"{earlier.warning_id}"
            )
    return None


def recurrences(
    new: Warning, earlier: Iterable[Warning], home_country: str
) -> tuple[tuple[str, ...], list[str], dict[str, Any]]:
    """The earlier warnings ``new`` repeats (ids, most recent first, at most :data:`MAX_LINKS`),
    a warning item for each (what the new warning starts from) and their summary."""
    found = []
    for w in earlier:
        why = recurrence(new, w, home_country)
        if why is not None and w.updated_time <= new.updated_time:
            found.append((w, why))
    found.sort(key=lambda pair: (pair[0].updated_time, pair[0].warning_id), reverse=True)
    found = found[:MAX_LINKS]
    items = [
        f"recurs: {why} (peak grade {w.peak_grade or w.grade}, {len(w.evidence)} signals, "
        f"{w.state} since {w.updated_time.date().isoformat()})"
        for w, why in found
    ]
    summary = {
        w.warning_id: {
            "why": why,
            "state": w.state,
            "peak_grade": w.peak_grade or w.grade,
            "signals": len(w.evidence),
            "feed_counts": dict(w.feed_counts),
            "since": w.updated_time.isoformat(),
        }
        for w, why in found
    }
    return tuple(w.warning_id for w, _ in found), items, summary
